// The classic MNIST SimpleCNN: a small CNN on MNIST, trained on the CPU through generated code. The network, SimpleCnn, is declared
// with attributes in samples/Common/SeedNetworks.cs.
//   dotnet run -c Release --project samples/SimpleCnn
// Fetches MNIST into ./data on first run, trains 5 epochs with Adam (lr 1e-3, batch 64), and leaves in runs/SimpleCnn:
// results.csv/json, curves.png, predictions.png, simple_cnn.safetensors, model.onnx and a checkpoint for --resume.
using System;
using System.Collections.Generic;
using System.IO;
using CnnGen;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Plotting;
using CnnGen.Samples;
using CnnGen.Training;

return SampleOptions.Command("Trains SimpleCnn on MNIST on the CPU.", "SimpleCnn",
    epochs: 5, batchSize: 64, lr: 1e-3f, seed: 50, Run).Parse(args).Invoke();

static int Run(SampleOptions o)
{
    Directory.CreateDirectory(o.OutputDirectory);
    // Normalised with mean 0.5 and std 0.5, as the PyTorch original: pixels end up in [-1, 1].
    var transform = new ToTensor().Then(new Normalize(0.5f, 0.5f));
    var train = InMemoryDataset.LoadMnist(o.DataDirectory, train: true, transform, log: Console.WriteLine);
    var test = InMemoryDataset.LoadMnist(o.DataDirectory, train: false, transform, log: Console.WriteLine);
    o.CheckBatchSize(train.Count);
    using var trainLoader = new DataLoader(train, o.BatchSize, shuffle: true, seed: (ulong)o.Seed, trainSamples: o.TrainSamples);
    using var testLoader = new DataLoader(test, 1000);

    var model = new SimpleCnn(o.Seed, maxBatch: o.BatchSize);
    Console.WriteLine(model);
    var optimizer = new Adam(model.Parameters, o.LearningRate);

    var fit = Trainer.Fit(model, optimizer, trainLoader, testLoader, o.Epochs, o.TrainerOptions(Path.Combine(o.OutputDirectory, "checkpoint")));

    // The learning rate the run ended with: a resumed run keeps the checkpoint's unless --lr was given.
    var run = new RunBuilder().Add("network", "SimpleCnn").Add("lr", (double)(decimal)optimizer.LearningRate).Add("batch_size", o.BatchSize).Build()[0];
    return SampleResults.Finish(model, run, fit, o, "simple_cnn.safetensors", "SimpleCnn on MNIST", test, testLoader);
}
