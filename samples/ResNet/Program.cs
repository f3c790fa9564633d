// ResNet-14 on Fashion-MNIST (issue 9), trained on the CPU through generated code. The network, ResNet14, is declared
// with [Block]/[Residual<…>]/[Sequential<…>] attributes in samples/Common/SeedNetworks.cs (docs/graphs.md).
//   dotnet run -c Release --project samples/ResNet
// Fetches Fashion-MNIST into ./data on first run, trains 10 epochs with SGD (momentum 0.9, Nesterov, weight decay
// 5e-4, batch 128, lr 0.1 with one epoch of warm-up then a per-step cosine schedule, random crop and flip) and
// leaves in runs/ResNet: results.csv/json, curves.png, predictions.png, resnet14.safetensors, model.onnx and a
// checkpoint for --resume. Target: ≥ 92.5% test accuracy. samples/ResNet/evaluate_in_pytorch.py loads the weights into
// the same network in PyTorch and measures it there.
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
    epochs: 10, batchSize: 128, lr: 0.1f, seed: 14, Run).Parse(args).Invoke();

static int Run(SampleOptions o)
{
    Directory.CreateDirectory(o.OutputDirectory);
    // Fashion-MNIST's pixel mean and standard deviation (over the training images, in [0, 1]).
    const float Mean = 0.2860f, Std = 0.3530f;
    // Dataset transforms run once, at load time: the same deterministic normalisation for training and test.
    var transform = new ToTensor().Then(new Normalize(Mean, Std));
    var train = InMemoryDataset.LoadFashionMnist(o.DataDirectory, train: true, transform, log: Console.WriteLine);
    var test = InMemoryDataset.LoadFashionMnist(o.DataDirectory, train: false, transform, log: Console.WriteLine);
    // Augmentation for the training batches only, drawn afresh per (seed, epoch, sample) in the loader's background
    // thread: a random 28×28 crop of the image padded by 2 and a horizontal flip (torchvision's RandomCrop(28,
    // padding=2) and RandomHorizontalFlip()). The test loader and evaluate_in_pytorch.py never augment.
    var augmentation = new RandomCrop(padding: 2).Then(new RandomHorizontalFlip());
    using var trainLoader = new DataLoader(train, o.BatchSize, shuffle: true, seed: (ulong)o.Seed, trainSamples: o.TrainSamples, augmentation: augmentation);
    using var testLoader = new DataLoader(test, 1000);

    var model = new ResNet14(o.Seed, maxBatch: o.BatchSize);
    Console.WriteLine(model);
    // The CIFAR ResNet recipe: SGD with Nesterov momentum and weight decay; BatchNorm makes lr 0.1 stable from the start.
    var optimizer = new Sgd(model.Parameters, o.LearningRate, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
    // Cosine annealing per step (torch.optim.lr_scheduler.CosineAnnealingLR with T_max = every step of the run), after
    // a linear warm-up over the first epoch: from lr down to near zero at the last step.
    int stepsPerEpoch = trainLoader.BatchCount;
    var schedule = SequentialLR.WithWarmUp(new CosineAnnealingLR(optimizer, tMax: Math.Max(1, (o.Epochs - 1) * stepsPerEpoch)), warmUpSteps: stepsPerEpoch, startFactor: 0.1);

    // The options every sample shares (checkpoints, --resume, --lr on resume, --early-stopping-patience), plus the schedule.
    var fit = Trainer.Fit(model, optimizer, trainLoader, testLoader, o.Epochs,
        o.TrainerOptions(Path.Combine(o.OutputDirectory, "checkpoint"), schedule));

    var run = new RunBuilder().Add("network", "ResNet14").Add("optimizer", "SGD nesterov 0.9, wd 5e-4, warm-up + cosine per step, crop + flip")
        .Add("lr", (double)(decimal)o.LearningRate).Add("batch_size", o.BatchSize).Build()[0];
    return SampleResults.Finish(model, run, fit, o, "resnet14.safetensors", "ResNet-14 on Fashion-MNIST", test, testLoader, target: " (target ≥ 92.50%)");
}
