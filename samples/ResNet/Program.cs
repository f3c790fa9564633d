// ResNet-14 on Fashion-MNIST (issue 9), trained on the CPU through generated code. The network, ResNet14, is declared
// with [Block]/[Residual<…>]/[Sequential<…>] attributes in samples/Common/SeedNetworks.cs (docs/graphs.md).
//   dotnet run -c Release --project samples/ResNet
// Fetches Fashion-MNIST into ./data on first run, trains 20 epochs with SGD (momentum 0.9, Nesterov, weight decay
// 5e-4, batch 128, lr 0.1 with a per-epoch cosine schedule) and leaves in runs/ResNet: results.csv/json, curves.png,
// predictions.png, resnet14.safetensors and a checkpoint for --resume. Target: ≥ 92.5% test accuracy.
// samples/ResNet/evaluate_in_pytorch.py loads the weights into the same network in PyTorch and measures it there.
// Until the graph generator lands this project is not in CnnGen.sln and ResNet14 sits behind
// #if CNNGEN_GRAPH_GENERATOR in SeedNetworks.cs; the merge removes both (dotnet sln add samples/ResNet/ResNet.csproj).
using System;
using System.Collections.Generic;
using System.IO;
using CnnGen;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Plotting;
using CnnGen.Samples;
using CnnGen.Training;

return SampleOptions.Command("Trains ResNet-14 on Fashion-MNIST on the CPU.", "ResNet",
    epochs: 20, batchSize: 128, lr: 0.1f, seed: 14, Run).Parse(args).Invoke();

static int Run(SampleOptions o)
{
    Directory.CreateDirectory(o.OutputDirectory);
    // Fashion-MNIST's pixel mean and standard deviation (over the training images, in [0, 1]).
    const float Mean = 0.2860f, Std = 0.3530f;
    // Dataset transforms run once, at load time: the same deterministic normalisation for training and test.
    var transform = new ToTensor().Then(new Normalize(Mean, Std));
    var train = InMemoryDataset.LoadFashionMnist(o.DataDirectory, train: true, transform, log: Console.WriteLine);
    var test = InMemoryDataset.LoadFashionMnist(o.DataDirectory, train: false, transform, log: Console.WriteLine);
    // TODO(augmentation): the issue trains this sample with random crop (28×28 from the image padded by 4) and a
    // random horizontal flip, drawn afresh for every training batch, once src/Runtime/Data has them (another change
    // adds them). They belong to the training loader only, here; the test loader and evaluate_in_pytorch.py never
    // augment. Until then the sample trains on the plain images.
    using var trainLoader = new DataLoader(train, o.BatchSize, shuffle: true, seed: (ulong)o.Seed, trainSamples: o.TrainSamples);
    using var testLoader = new DataLoader(test, 1000);

    var model = new ResNet14(o.Seed, maxBatch: o.BatchSize);
    Console.WriteLine(model);
    // The CIFAR ResNet recipe: SGD with Nesterov momentum and weight decay; BatchNorm makes lr 0.1 stable from the start.
    var optimizer = new Sgd(model.Parameters, o.LearningRate, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
    // Cosine annealing per epoch (torch.optim.lr_scheduler.CosineAnnealingLR with T_max = epochs, stepped per epoch):
    // epoch e (from 1) trains at lr·(1 + cos(π(e − 1)/epochs))/2, from lr down to near zero in the last epoch.
    float baseLr = o.LearningRate;
    int epochs = o.Epochs;
    float Schedule(int epoch) => (float)(baseLr * 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / epochs)));

    var fit = Trainer.Fit(model, optimizer, trainLoader, testLoader, o.Epochs, new TrainerOptions
    {
        CheckpointDirectory = Path.Combine(o.OutputDirectory, "checkpoint"),
        Resume = o.Resume,
        LearningRateSchedule = Schedule,
    });

    var run = new RunBuilder().Add("network", "ResNet14").Add("optimizer", "SGD nesterov 0.9, wd 5e-4, cosine")
        .Add("lr", (double)(decimal)o.LearningRate).Add("batch_size", o.BatchSize).Build()[0];
    var log = new RunLog();
    log.Add(run, fit);
    log.Save(o.OutputDirectory);
    Plots.SaveTrainingCurves(log, Path.Combine(o.OutputDirectory, "curves.png"), title: "ResNet-14 on Fashion-MNIST");
    if (SampleResults.Interrupted(fit, o)) return 130;

    string weights = Path.Combine(o.OutputDirectory, "resnet14.safetensors");
    model.Save(weights);

    // 20 test images with what the model says and what they are.
    var indices = new List<int>();
    for (int i = 0; i < 20; i++) indices.Add(i);
    Plots.SaveSampleGrid(Path.Combine(o.OutputDirectory, "predictions.png"), test, indices, SampleResults.PredictFirst(model, test, 20));

    var confusion = SampleResults.PrintConfusion(model, testLoader);
    Console.WriteLine($"Test accuracy {confusion.Accuracy * 100:F2}% (target ≥ 92.50%). Weights: {weights}. Results, curves and predictions: {o.OutputDirectory}");
    return 0;
}
