// Does max pooling help? Two Fashion-MNIST networks, identical but for two MaxPool2d layers,
// trained side by side through the run builder (Adam 0.01, batch 1000, 20 epochs). Both networks are declared in
// samples/Common/SeedNetworks.cs.
//   dotnet run -c Release --project samples/MaxPoolStudy
// Prints the runs table sorted by accuracy and the best accuracy per network; writes results.csv/json and curves.png.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Plotting;
using CnnGen.Samples;
using CnnGen.Training;

return SampleOptions.Command("Compares Fashion-MNIST networks with and without max pooling.", "MaxPoolStudy",
    epochs: 20, batchSize: 1000, lr: 0.01f, seed: 1, Run).Parse(args).Invoke();

static int Run(SampleOptions o)
{
    Directory.CreateDirectory(o.OutputDirectory);
    var train = InMemoryDataset.LoadFashionMnist(o.DataDirectory, train: true, new ToTensor(), log: Console.WriteLine);
    var test = InMemoryDataset.LoadFashionMnist(o.DataDirectory, train: false, new ToTensor(), log: Console.WriteLine);

    var runs = new RunBuilder()
        .Add("network", "max_pool", "no_max_pool")
        .Add("lr", (double)(decimal)o.LearningRate)
        .Add("batch_size", o.BatchSize)
        .Build();
    o.CheckBatchSize(train.Count);
    var log = new RunLog();
    foreach (var run in runs)
    {
        Console.WriteLine();
        Console.WriteLine($"Run {run.Index}: {run}");
        INetwork model = run.GetString("network") == "max_pool"
            ? new MaxPoolNet(o.Seed, maxBatch: run.GetInt("batch_size"))
            : new NoMaxPoolNet(o.Seed, maxBatch: run.GetInt("batch_size"));
        Console.WriteLine(model.GetSummary());
        using var trainLoader = new DataLoader(train, run.GetInt("batch_size"), shuffle: true, seed: (ulong)o.Seed, trainSamples: o.TrainSamples);
        using var testLoader = new DataLoader(test, 1000);
        var optimizer = new Adam(model.Parameters, run.GetFloat("lr"));
        var fit = Trainer.Fit(model, optimizer, trainLoader, testLoader, o.Epochs, o.TrainerOptions(Path.Combine(o.OutputDirectory, $"checkpoint-run{run.Index}")));
        // Record the learning rate used (a resumed run keeps the checkpoint's unless --lr was given).
        log.Add(new RunParameters(run.Index, run.Select(kv => kv.Key == "lr" ? new KeyValuePair<string, object>("lr", (double)(decimal)optimizer.LearningRate) : kv)), fit);
        log.Save(o.OutputDirectory);   // after every run, so an interrupted study keeps what it has
        if (fit.Interrupted) return 130;
    }

    Console.WriteLine();
    log.Print(sortBy: "accuracy", top: 10);
    Console.WriteLine();
    foreach (var group in log.Entries.GroupBy(e => e.Run.GetString("network")))
    {
        var best = group.MaxBy(e => e.Epoch.TrainAccuracy)!;
        var bestTest = group.MaxBy(e => e.Epoch.TestAccuracy ?? 0)!;
        Console.WriteLine($"{group.Key,-12} best train accuracy {best.Epoch.TrainAccuracy:0.000} (epoch {best.Epoch.Epoch}), best test accuracy {bestTest.Epoch.TestAccuracy:0.000} (epoch {bestTest.Epoch.Epoch})");
    }
    Plots.SaveTrainingCurves(log, Path.Combine(o.OutputDirectory, "curves.png"), title: "max_pool vs no_max_pool on Fashion-MNIST");
    Console.WriteLine($"Results: {Path.Combine(o.OutputDirectory, "results.csv")}");
    return 0;
}
