using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using CnnGen.Data;
using CnnGen.Optim;
using Spectre.Console;

namespace CnnGen.Training
{
    /// <summary>How <see cref="Trainer.Fit"/> shows progress.</summary>
    public enum ProgressMode
    {
        /// <summary>A live progress bar on an interactive console; plain periodic lines when output is redirected.</summary>
        Auto,

        /// <summary>Always the live Spectre.Console progress bar.</summary>
        Live,

        /// <summary>Plain text lines, a few per epoch, and one summary line per epoch.</summary>
        Plain,

        /// <summary>Only the per-epoch summary lines.</summary>
        EpochsOnly,

        /// <summary>Nothing at all.</summary>
        Silent,
    }

    /// <summary>Options of <see cref="Trainer.Fit"/>.</summary>
    public sealed partial class TrainerOptions
    {
        /// <summary>Where checkpoints are written after each epoch and on interruption; null: no checkpoints.</summary>
        public string? CheckpointDirectory { get; init; }

        /// <summary>Start from the checkpoint in <see cref="CheckpointDirectory"/> if there is one (a fresh start otherwise).</summary>
        public bool Resume { get; init; }

        /// <summary>Write a checkpoint after every epoch (when a folder is set). Default true.</summary>
        public bool CheckpointEveryEpoch { get; init; } = true;

        /// <summary>Stops training after the current step (a checkpoint is saved, <see cref="FitResult.Interrupted"/> is set).</summary>
        public CancellationToken CancellationToken { get; init; }

        /// <summary>Treat Ctrl+C as a request to stop after the current step (a second Ctrl+C ends the process). Default true.</summary>
        public bool HandleCtrlC { get; init; } = true;

        public ProgressMode Progress { get; init; } = ProgressMode.Auto;

        /// <summary>Where plain-text progress goes; null: the console.</summary>
        public TextWriter? Output { get; init; }

        /// <summary>In plain mode, a progress line every this many batches; null: about ten lines per epoch.</summary>
        public int? LogEveryBatches { get; init; }

        /// <summary>The learning rate for each epoch (from 1); null keeps the optimizer's.</summary>
        public Func<int, float>? LearningRateSchedule { get; init; }

        /// <summary>Called after each finished epoch.</summary>
        public Action<EpochResult>? OnEpochEnd { get; init; }

        /// <summary>Called after each training step with (epoch from 1, batch from 0, loss).</summary>
        public Action<int, int, float>? OnBatchEnd { get; init; }
    }

    /// <summary>Thrown when the training loss stops being a finite number.</summary>
    public sealed class TrainingDivergedException : Exception
    {
        public TrainingDivergedException(int epoch, int batch, int batchCount, float loss, float learningRate)
            : base(string.Format(CultureInfo.InvariantCulture,
                "Training diverged: the loss is {0} at epoch {1}, batch {2}/{3}. The learning rate is {4}; " +
                "a loss that blows up usually means it is too high: try {5} (or normalise the inputs).",
                float.IsNaN(loss) ? "NaN" : loss > 0 ? "+Infinity" : "-Infinity", epoch, batch + 1, batchCount, learningRate, learningRate / 10))
        {
            Epoch = epoch;
            Batch = batch;
            Loss = loss;
            LearningRate = learningRate;
        }

        /// <summary>The epoch, from 1.</summary>
        public int Epoch { get; }

        /// <summary>The batch, from 0.</summary>
        public int Batch { get; }

        public float Loss { get; }

        public float LearningRate { get; }
    }

    /// <summary>
    /// The training loop: batches from a <see cref="DataLoader"/> through <see cref="INetwork.ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>
    /// and <see cref="Optimizer.Step"/>, an evaluation on the test set after each epoch, live progress, checkpoints,
    /// resume and a clean stop on Ctrl+C.
    /// </summary>
    public static class Trainer
    {
        /// <summary>
        /// Trains <paramref name="model"/> for <paramref name="epochs"/> epochs in total (a resumed run continues
        /// after the checkpoint's epoch and stops at the same total).
        /// </summary>
        /// <param name="model">The network; put in training mode.</param>
        /// <param name="optimizer">Updates the model's parameters after each batch.</param>
        /// <param name="train">The training batches (epoch e uses the loader's order for e − 1).</param>
        /// <param name="test">Evaluated after each epoch, or null.</param>
        /// <param name="epochs">Total epochs of the run.</param>
        /// <param name="options">Checkpoints, resume, progress display, cancellation.</param>
        /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
        public static FitResult Fit(INetwork model, Optimizer optimizer, DataLoader train, DataLoader? test, int epochs, TrainerOptions? options = null)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
            if (train is null) throw new ArgumentNullException(nameof(train));
            if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "The number of epochs must be ≥ 0.");
            options ??= new TrainerOptions();
            Evaluation.CheckCompatible(model, train);
            if (test is not null) Evaluation.CheckCompatible(model, test);

            var run = new Run(model, optimizer, train, test, epochs, options);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
            ConsoleCancelEventHandler? handler = null;
            if (options.HandleCtrlC)
            {
                handler = (_, e) =>
                {
                    // The first Ctrl+C asks for a clean stop; a second one is left to end the process.
                    if (stop.IsCancellationRequested) return;
                    e.Cancel = true;
                    stop.Cancel();
                };
                Console.CancelKeyPress += handler;
            }
            try
            {
                return run.Execute(stop.Token);
            }
            finally
            {
                if (handler is not null) Console.CancelKeyPress -= handler;
            }
        }

        private sealed class Run
        {
            private readonly INetwork _model;
            private readonly Optimizer _opt;
            private readonly DataLoader _train;
            private readonly DataLoader? _test;
            private readonly int _epochs;
            private readonly TrainerOptions _o;
            private readonly OptimizationStep _step;
            private readonly float[] _logits;
            private readonly List<EpochResult> _history = new List<EpochResult>();
            private readonly TextWriter _out;
            private readonly bool _live;
            private readonly bool _plainLines;
            private readonly int _logEvery;
            private TimeSpan _priorRunTime;
            private readonly Stopwatch _runClock = new Stopwatch();

            public Run(INetwork model, Optimizer opt, DataLoader train, DataLoader? test, int epochs, TrainerOptions o)
            {
                _model = model;
                _opt = opt;
                _train = train;
                _test = test;
                _epochs = epochs;
                _o = o;
                _step = new OptimizationStep(model, opt, o);
                _logits = new float[train.BatchSize * model.OutputSize];
                _out = o.Output ?? Console.Out;
                _live = o.Progress == ProgressMode.Live
                        || (o.Progress == ProgressMode.Auto && o.Output is null && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);
                _plainLines = !_live && o.Progress is ProgressMode.Plain or ProgressMode.Auto;   // Auto on a redirected console degrades to plain lines
                _logEvery = Math.Max(1, o.LogEveryBatches ?? (train.BatchCount + 9) / 10);
            }

            private TimeSpan RunTime => _priorRunTime + _runClock.Elapsed;

            private void Say(string line)
            {
                if (_o.Progress == ProgressMode.Silent) return;
                if (_live) AnsiConsole.MarkupLine(Markup.Escape(line));
                else _out.WriteLine(line);
            }

            public FitResult Execute(CancellationToken stop)
            {
                int startEpoch = 0, startBatch = 0;
                double lossSum = 0;
                long correct = 0, seen = 0;
                if (_o.Resume && _o.CheckpointDirectory is string dir && Checkpoint.Exists(dir))
                {
                    var state = Checkpoint.Load(dir, _model, _opt);
                    _history.AddRange(state.History);
                    _priorRunTime = state.RunDuration;
                    startEpoch = state.Epoch;
                    startBatch = state.BatchesDone;
                    lossSum = state.PartialLossSum;
                    correct = state.PartialCorrect;
                    seen = state.PartialSamples;
                    if (startBatch >= _train.BatchCount)
                        throw new InvalidDataException($"The checkpoint in {Path.GetFullPath(dir)} is {startBatch} batches into an epoch, but the loader has only {_train.BatchCount}; was the batch size changed?");
                    Say(startBatch > 0
                        ? $"Resuming {_model.Name} from {dir}: epoch {startEpoch + 1}, batch {startBatch + 1}/{_train.BatchCount}."
                        : $"Resuming {_model.Name} from {dir} after epoch {startEpoch}.");
                }
                else if (_o.Resume)
                {
                    Say($"No checkpoint in {_o.CheckpointDirectory ?? "(no checkpoint folder set)"}; starting from scratch.");
                }

                _model.Train();
                _runClock.Start();
                for (int epoch = startEpoch; epoch < _epochs; epoch++)
                {
                    int shown = epoch + 1;
                    if (_o.LearningRateSchedule is { } schedule) _opt.LearningRate = schedule(shown);
                    var epochClock = Stopwatch.StartNew();
                    bool interrupted = false;
                    int batchesDone = startBatch;

                    void TrainEpoch(ProgressTask? task)
                    {
                        var rate = Stopwatch.StartNew();
                        long rateSamples = 0;
                        long lastRefresh = 0;
                        foreach (var batch in _train.Epoch(epoch, startBatch))
                        {
                            int n = batch.Count;
                            var logits = _logits.AsSpan(0, n * _model.OutputSize);
                            float loss = _model.ForwardBackward(batch.Input, batch.Labels, n, logits);
                            if (!float.IsFinite(loss))
                                throw new TrainingDivergedException(shown, batch.Index, _train.BatchCount, loss, _opt.LearningRate);
                            _step.AfterBackward(n);
                            lossSum += (double)loss * n;
                            correct += Evaluation.CountCorrect(logits, batch.Labels, _model.OutputSize);
                            seen += n;
                            rateSamples += n;
                            batchesDone = batch.Index + 1;
                            _o.OnBatchEnd?.Invoke(shown, batch.Index, loss);

                            double perSecond = rateSamples / Math.Max(1e-9, rate.Elapsed.TotalSeconds);
                            if (task is not null)
                            {
                                task.Value = batchesDone;
                                // Re-render the text at most ~8 times a second; building it every batch would cost more than it shows.
                                if (rate.ElapsedMilliseconds - lastRefresh > 120 || batchesDone == _train.BatchCount)
                                {
                                    lastRefresh = rate.ElapsedMilliseconds;
                                    task.Description = Markup.Escape(CompactStatus(shown, batchesDone, lossSum, correct, seen, perSecond));
                                }
                            }
                            else if (_plainLines && (batchesDone % _logEvery == 0 || batchesDone == _train.BatchCount))
                            {
                                double eta = (_train.SamplesPerEpoch - (double)batchesDone * _train.BatchSize) / Math.Max(1e-9, perSecond);
                                _out.WriteLine(Status(shown, batchesDone, lossSum, correct, seen, perSecond)
                                    + "  ETA " + EpochResult.Format(TimeSpan.FromSeconds(Math.Max(0, eta))));
                            }
                            if (stop.IsCancellationRequested && !_step.HasPending)   // stop between optimizer steps only
                            {
                                interrupted = true;
                                break;
                            }
                        }
                    }

                    if (_live)
                    {
                        AnsiConsole.Progress()
                            .AutoClear(true)
                            .HideCompleted(true)
                            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 16 }, new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                            .Start(ctx =>
                            {
                                var task = ctx.AddTask(Markup.Escape($"epoch {shown}/{_epochs}"), maxValue: _train.BatchCount);
                                task.Value = startBatch;
                                TrainEpoch(task);
                            });
                    }
                    else
                    {
                        TrainEpoch(null);
                    }

                    if (interrupted && batchesDone < _train.BatchCount)
                    {
                        _runClock.Stop();
                        string where = SaveInterrupted(epoch, batchesDone, lossSum, correct, seen);
                        Say($"Interrupted at epoch {shown}, batch {batchesDone}/{_train.BatchCount}. {where}");
                        return new FitResult(_history.ToArray(), true, _o.CheckpointDirectory);
                    }

                    _step.FinishEpoch();
                    EvaluationResult? eval = null;
                    if (_test is not null)
                    {
                        if (_live)
                        {
                            AnsiConsole.Progress().AutoClear(true).HideCompleted(true)
                                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 16 }, new PercentageColumn())
                                .Start(ctx =>
                                {
                                    var task = ctx.AddTask(Markup.Escape($"epoch {shown}/{_epochs} evaluating"), maxValue: _test.BatchCount);
                                    eval = Evaluation.Evaluate(_model, _test, i => task.Value = i + 1, CancellationToken.None);
                                });
                        }
                        else
                        {
                            eval = Evaluation.Evaluate(_model, _test, null, CancellationToken.None);
                        }
                        // A last step that diverged shows only here: stop before a checkpoint records the broken weights.
                        if (eval is { } evaluated && !double.IsFinite(evaluated.Loss))
                            throw new TrainingDivergedException(shown, _train.BatchCount - 1, _train.BatchCount, (float)evaluated.Loss, _opt.LearningRate);
                    }

                    var result = new EpochResult(
                        shown,
                        seen == 0 ? 0 : lossSum / seen,
                        seen == 0 ? 0 : (double)correct / seen,
                        eval?.Loss,
                        eval?.Accuracy,
                        epochClock.Elapsed,
                        RunTime,
                        (int)seen,
                        _opt.LearningRate) { Metrics = eval?.Metrics?.ToColumns() };
                    _history.Add(result);
                    startBatch = 0;
                    lossSum = 0;
                    correct = 0;
                    seen = 0;
                    // A stop requested during the last step or the evaluation still ends the run after this epoch.
                    bool stopping = (interrupted || stop.IsCancellationRequested) && shown < _epochs;
                    if (_o.CheckpointDirectory is string cdir && (_o.CheckpointEveryEpoch || stopping || shown == _epochs))
                    {
                        Checkpoint.Save(cdir, _model, _opt, new CheckpointState
                        {
                            Epoch = shown,
                            History = _history.ToArray(),
                            RunDuration = RunTime,
                            Interrupted = stopping,
                        });
                    }
                    if (_o.Progress != ProgressMode.Silent) Say(result.ToLine(_epochs));
                    _o.OnEpochEnd?.Invoke(result);
                    if (stopping)
                    {
                        Say($"Interrupted after epoch {shown}." + (_o.CheckpointDirectory is string d ? $" Checkpoint saved in {d}; run again with resume to continue." : ""));
                        return new FitResult(_history.ToArray(), true, _o.CheckpointDirectory);
                    }
                }
                _runClock.Stop();
                return new FitResult(_history.ToArray(), false, _o.CheckpointDirectory);
            }

            private string SaveInterrupted(int epoch, int batchesDone, double lossSum, long correct, long seen)
            {
                if (_o.CheckpointDirectory is not string dir)
                    return "No checkpoint folder was set, so nothing was saved.";
                Checkpoint.Save(dir, _model, _opt, new CheckpointState
                {
                    Epoch = epoch,
                    BatchesDone = batchesDone,
                    PartialLossSum = lossSum,
                    PartialCorrect = correct,
                    PartialSamples = seen,
                    History = _history.ToArray(),
                    RunDuration = RunTime,
                    Interrupted = true,
                });
                return $"Checkpoint saved in {dir}; run again with resume to continue from the next batch.";
            }

            /// <summary>The live bar's text: short enough that bar, percentage and ETA fit an 80-column terminal.</summary>
            private string CompactStatus(int epoch, int batch, double lossSum, long correct, long seen, double perSecond)
                => string.Format(CultureInfo.InvariantCulture,
                    "epoch {0}/{1} batch {2}/{3} loss {4:0.000} acc {5:0.0%} {6:#,0}/s",
                    epoch, _epochs, batch, _train.BatchCount, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen, perSecond);

            private string Status(int epoch, int batch, double lossSum, long correct, long seen, double perSecond)
                => string.Format(CultureInfo.InvariantCulture,
                    "epoch {0}/{1}  batch {2}/{3}  loss {4:0.0000}  acc {5:0.00%}  {6:#,0} samples/s",
                    epoch, _epochs, batch, _train.BatchCount, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen, perSecond);
        }
    }
}
