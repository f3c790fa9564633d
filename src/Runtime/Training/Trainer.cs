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

        /// <summary>
        /// On resume, train on with this learning rate instead of the one the checkpoint recorded (null: the
        /// checkpoint's). The change is announced, and each epoch's result records the rate it used.
        /// </summary>
        public float? LearningRateOnResume { get; init; }

        /// <summary>Stop when a monitored metric stops improving, and put the best weights back; null: train all epochs.</summary>
        public EarlyStoppingOptions? EarlyStopping { get; init; }

        /// <summary>
        /// A finite loss more than this many times its recent level counts as a divergence (see the trainer's
        /// divergence rule in docs/reliability.md). Default 1000; 0 or ∞ turns this rule off (NaN and ∞ are always caught).
        /// </summary>
        public double DivergenceLossFactor { get; init; } = 1000;
    }

    /// <summary>
    /// Thrown when training diverges: a loss, gradient or weight that is not finite, or a loss far above its recent
    /// level. The checkpoint folder keeps the last good checkpoint (nothing is saved after the divergence).
    /// </summary>
    public sealed class TrainingDivergedException : Exception
    {
        public TrainingDivergedException(int epoch, int batch, int batchCount, float loss, float learningRate)
            : this(epoch, batch, batchCount, loss, learningRate, "the loss is " + DivergenceGuard.Text(loss), null)
        {
        }

        /// <param name="epoch">The epoch, from 1.</param>
        /// <param name="batch">The batch, from 0.</param>
        /// <param name="batchCount">Batches per epoch.</param>
        /// <param name="loss">The batch's loss.</param>
        /// <param name="learningRate">The optimizer's learning rate at that step.</param>
        /// <param name="reason">What was seen, e.g. "the gradient of '0.weight' holds NaN or infinite values".</param>
        /// <param name="checkpoint">Where the last good checkpoint stays, or null.</param>
        public TrainingDivergedException(int epoch, int batch, int batchCount, float loss, float learningRate, string reason, string? checkpoint)
            : base(string.Format(CultureInfo.InvariantCulture,
                "Training diverged at epoch {0}, batch {1}/{2}: {3}. The learning rate is {4}; " +
                "a loss that blows up usually means it is too high: try {5} (or normalise the inputs).{6}",
                epoch, batch + 1, batchCount, reason, learningRate, learningRate / 10,
                checkpoint is null ? "" : $" The last good checkpoint in {checkpoint} was kept."))
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
    /// (class labels) or, for a network declared with [MSELoss] or [BCEWithLogitsLoss], its float-target overload (no
    /// accuracy then: the epoch's accuracy is NaN, the test accuracy null), and <see cref="Optimizer.Step"/>, an evaluation on the test set after each epoch, live progress, checkpoints,
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
            options.EarlyStopping?.Validate(test is not null, Evaluation.TakesFloatTargets(model));
            if (options.CheckpointDirectory is string checkpoints && File.Exists(checkpoints))   // found now, not after the first epoch
                throw new IOException($"{Path.GetFullPath(checkpoints)}: this is a file; expected a folder for checkpoints.");
            if (!(options.DivergenceLossFactor >= 0))
                throw new ArgumentOutOfRangeException(nameof(options), options.DivergenceLossFactor, "DivergenceLossFactor must be ≥ 0 (0 or ∞ turns the loss-spike rule off).");
            if (options.LearningRateOnResume is float resumeLr && (!(resumeLr >= 0) || float.IsInfinity(resumeLr)))
                throw new ArgumentOutOfRangeException(nameof(options), resumeLr, "LearningRateOnResume must be a finite number ≥ 0.");

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
            private readonly DivergenceGuard _guard;
            private readonly EarlyStopper? _stopper;
            // A network declared with [MSELoss] or [BCEWithLogitsLoss]: float targets, a loss and no accuracy.
            private readonly bool _floatTargets;

            public Run(INetwork model, Optimizer opt, DataLoader train, DataLoader? test, int epochs, TrainerOptions o)
            {
                _model = model;
                _opt = opt;
                _train = train;
                _test = test;
                _epochs = epochs;
                _o = o;
                _step = new OptimizationStep(model, opt, o);
                long logits = (long)train.BatchSize * model.OutputSize;
                if (logits > Array.MaxLength)
                    throw new ArgumentException($"A batch of {train.BatchSize} samples × {model.OutputSize} outputs is {logits} logits, more than an array can hold ({Array.MaxLength}); use a smaller batch size.", nameof(train));
                _logits = new float[logits];
                _out = o.Output ?? Console.Out;
                _live = o.Progress == ProgressMode.Live
                        || (o.Progress == ProgressMode.Auto && o.Output is null && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);
                _plainLines = !_live && o.Progress is ProgressMode.Plain or ProgressMode.Auto;   // Auto on a redirected console degrades to plain lines
                _logEvery = Math.Max(1, o.LogEveryBatches ?? (train.BatchCount + 9) / 10);
                _guard = new DivergenceGuard(o.DivergenceLossFactor);
                _stopper = o.EarlyStopping is { } es ? new EarlyStopper(es) : null;
                _floatTargets = Evaluation.TakesFloatTargets(model);
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
                // Leftovers of a save that was killed (temporary files, folders no pointer names) go first.
                if (_o.CheckpointDirectory is string checkpoints) Checkpoint.CleanUp(checkpoints);
                // A pointer that names an incomplete or damaged checkpoint is refused by Load rather than taken for
                // "no checkpoint": a silent fresh start would train over the run the user asked to continue.
                if (_o.Resume && _o.CheckpointDirectory is string dir && Checkpoint.TryCurrentFolder(dir) is not null)
                {
                    var state = Checkpoint.Load(dir, _model, _opt);
                    if (state.History.Count > 0) _guard.SetScale(state.History[0].TrainLoss);
                    _stopper?.Resume(state, LoadBestWeights(dir));
                    if (_o.LearningRateOnResume is float lr && lr != _opt.LearningRate)
                    {
                        Say(string.Format(CultureInfo.InvariantCulture, "Learning rate {0} from now on (the checkpoint's was {1}).", lr, _opt.LearningRate));
                        _opt.LearningRate = lr;
                    }
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
                if (_stopper is { ShouldStop: true } && startBatch == 0 && startEpoch < _epochs)
                {
                    // The resumed run had already stopped early: resuming it again must not train on.
                    Say($"Early stopping had ended this run: {_stopper.Describe()}.");
                    return Finish(interrupted: false, stoppedEarly: true);
                }
                for (int epoch = startEpoch; epoch < _epochs; epoch++)
                {
                    int shown = epoch + 1;
                    if (_o.LearningRateSchedule is { } schedule) _opt.LearningRate = schedule(shown);
                    var epochClock = Stopwatch.StartNew();
                    bool interrupted = false;
                    int batchesDone = startBatch;
                    float lastLoss = 0;

                    void TrainEpoch(ProgressTask? task)
                    {
                        var rate = Stopwatch.StartNew();
                        long rateSamples = 0;
                        long lastRefresh = 0;
                        foreach (var batch in _train.Epoch(epoch, startBatch))
                        {
                            int n = batch.Count;
                            var logits = _logits.AsSpan(0, n * _model.OutputSize);
                            float loss = _floatTargets
                                ? _model.ForwardBackward(batch.Input, batch.Targets, n, logits)
                                : _model.ForwardBackward(batch.Input, batch.Labels, n, logits);
                            // ForwardBackward writes every parameter's gradient (no accumulation, no zero_grad).
                            foreach (var p in _model.Parameters) p.MarkGradientWritten();
                            if (_guard.CheckLossAndGradients(loss, _model) is string why)
                                throw Diverged(shown, batch.Index, loss, why, batch.Input, _model.InputSize);
                            _step.AfterBackward(n);
                            lastLoss = loss;
                            lossSum += (double)loss * n;
                            if (!_floatTargets) correct += Evaluation.CountCorrect(logits, batch.Labels, _model.OutputSize);
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

                    // An update that overflowed the weights shows in the next step's loss; the epoch's last one is
                    // caught here, before anything is evaluated or saved (a scan per epoch, not per step).
                    if (batchesDone > startBatch && DivergenceGuard.CheckWeights(_model) is string overflowed)
                        throw Diverged(shown, batchesDone - 1, lastLoss, overflowed, ReadOnlySpan<float>.Empty, _model.InputSize);
                    if (interrupted && batchesDone < _train.BatchCount)
                    {
                        _runClock.Stop();
                        string where = SaveInterrupted(epoch, batchesDone, lossSum, correct, seen);
                        Say($"Interrupted at epoch {shown}, batch {batchesDone}/{_train.BatchCount}. {where}");
                        return Finish(interrupted: true, stoppedEarly: false, restore: false);
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
                        if (eval is { } evaluated && !double.IsFinite(evaluated.Loss))
                        {
                            // Broken weights would have been caught at their step, so this is the test data's doing
                            // unless a buffer (BatchNorm's running statistics) went bad: say which, before any checkpoint.
                            if (DivergenceGuard.CheckWeights(_model) is string broken)
                                throw Diverged(shown, _train.BatchCount - 1, (float)evaluated.Loss, broken, ReadOnlySpan<float>.Empty, _model.InputSize);
                            throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
                                "The test set's loss is {0} after epoch {1} while every weight is finite: the test data holds NaN or infinite values " +
                                "(a problem of the data or its transform, not a training divergence).{2}",
                                DivergenceGuard.Text((float)evaluated.Loss), shown, CheckpointKept()));
                        }
                    }

                    var result = new EpochResult(
                        shown,
                        seen == 0 ? 0 : lossSum / seen,
                        _floatTargets ? double.NaN : seen == 0 ? 0 : (double)correct / seen,
                        eval?.Loss,
                        _floatTargets ? null : eval?.Accuracy,
                        epochClock.Elapsed,
                        RunTime,
                        (int)seen,
                        _opt.LearningRate) { Metrics = eval?.Metrics?.ToColumns() };
                    _history.Add(result);
                    bool improved = _stopper?.Observe(result, _model) ?? false;
                    bool stopEarly = _stopper is { ShouldStop: true } && shown < _epochs;
                    startBatch = 0;
                    lossSum = 0;
                    correct = 0;
                    seen = 0;
                    // A stop requested during the last step or the evaluation still ends the run after this epoch.
                    bool stopping = (interrupted || stop.IsCancellationRequested) && shown < _epochs;
                    if (_o.CheckpointDirectory is string cdir && (_o.CheckpointEveryEpoch || stopping || stopEarly || improved || shown == _epochs))
                    {
                        Checkpoint.Save(cdir, _model, _opt, WithEarlyStopping(new CheckpointState
                        {
                            Epoch = shown,
                            History = _history.ToArray(),
                            RunDuration = RunTime,
                            Interrupted = stopping,
                            IsBest = improved,
                        }));
                    }
                    if (_o.Progress != ProgressMode.Silent) Say(result.ToLine(_epochs));
                    _o.OnEpochEnd?.Invoke(result);
                    if (stopEarly)
                    {
                        Say($"Early stopping after epoch {shown}: {_stopper!.Describe()}." + (_stopper.RestoreBestWeights ? $" The weights of epoch {_stopper.BestEpoch} are restored." : ""));
                        return Finish(interrupted: false, stoppedEarly: true);
                    }
                    if (stopping)
                    {
                        Say($"Interrupted after epoch {shown}." + (_o.CheckpointDirectory is string d ? $" Checkpoint saved in {d}; run again with resume to continue." : ""));
                        return Finish(interrupted: true, stoppedEarly: false, restore: false);
                    }
                }
                return Finish(interrupted: false, stoppedEarly: false);
            }

            /// <summary>Ends the run: the best weights back in the model when early stopping keeps them, and the result.</summary>
            private FitResult Finish(bool interrupted, bool stoppedEarly, bool restore = true)
            {
                _runClock.Stop();
                if (restore) _stopper?.Restore(_model);
                return new FitResult(_history.ToArray(), interrupted, _o.CheckpointDirectory)
                {
                    StoppedEarly = stoppedEarly,
                    BestEpoch = _stopper is { BestEpoch: > 0 } s ? s.BestEpoch : null,
                };
            }

            /// <summary>Adds early stopping's counters, so that a resumed run waits as long as an uninterrupted one.</summary>
            private CheckpointState WithEarlyStopping(CheckpointState state)
                => _stopper is null ? state : state with
                {
                    BestEpoch = _stopper.BestEpoch,
                    BestMetric = _stopper.Best,
                    EpochsWithoutImprovement = _stopper.Wait,
                };

            /// <summary>The weights of the best-model checkpoint, read without leaving them in the model; null when there is none.</summary>
            private WeightSnapshot? LoadBestWeights(string dir)
            {
                string? path = Checkpoint.BestModelPath(dir);
                if (path is null) return null;
                var current = WeightSnapshot.Capture(_model);
                try
                {
                    _model.Load(path);
                    return WeightSnapshot.Capture(_model);
                }
                finally
                {
                    current.Restore(_model);
                }
            }

            private string CheckpointKept()
                => _o.CheckpointDirectory is string d && Checkpoint.Exists(d) ? $" The last good checkpoint in {Path.GetFullPath(d)} was kept." : "";

            /// <summary>
            /// The exception for a divergence seen at a step. A non-finite loss from a batch whose input holds NaN or ∞
            /// is the data's fault, not the learning rate's, and is reported as such.
            /// </summary>
            private Exception Diverged(int epoch, int batch, float loss, string why, ReadOnlySpan<float> input, int sampleSize)
            {
                int bad = input.IsEmpty ? -1 : DivergenceGuard.FirstNonFinite(input);
                if (bad >= 0)
                    return new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
                        "Training batch {0}/{1} of epoch {2} holds a NaN or infinite input value (sample {3} of the batch, value {4}), so {5}. " +
                        "Check the training data and its transform.{6}",
                        batch + 1, _train.BatchCount, epoch, bad / sampleSize, bad % sampleSize, why, CheckpointKept()));
                string? kept = _o.CheckpointDirectory is string d && Checkpoint.Exists(d) ? Path.GetFullPath(d) : null;
                return new TrainingDivergedException(epoch, batch, _train.BatchCount, loss, _opt.LearningRate, why, kept);
            }

            private string SaveInterrupted(int epoch, int batchesDone, double lossSum, long correct, long seen)
            {
                if (_o.CheckpointDirectory is not string dir)
                    return "No checkpoint folder was set, so nothing was saved.";
                Checkpoint.Save(dir, _model, _opt, WithEarlyStopping(new CheckpointState
                {
                    Epoch = epoch,
                    BatchesDone = batchesDone,
                    PartialLossSum = lossSum,
                    PartialCorrect = correct,
                    PartialSamples = seen,
                    History = _history.ToArray(),
                    RunDuration = RunTime,
                    Interrupted = true,
                }));
                return $"Checkpoint saved in {dir}; run again with resume to continue from the next batch.";
            }

            /// <summary>The live bar's text: short enough that bar, percentage and ETA fit an 80-column terminal.</summary>
            private string CompactStatus(int epoch, int batch, double lossSum, long correct, long seen, double perSecond)
                => string.Format(CultureInfo.InvariantCulture,
                    _floatTargets ? "epoch {0}/{1} batch {2}/{3} loss {4:0.000} {6:#,0}/s" : "epoch {0}/{1} batch {2}/{3} loss {4:0.000} acc {5:0.0%} {6:#,0}/s",
                    epoch, _epochs, batch, _train.BatchCount, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen, perSecond);

            private string Status(int epoch, int batch, double lossSum, long correct, long seen, double perSecond)
                => string.Format(CultureInfo.InvariantCulture,
                    _floatTargets ? "epoch {0}/{1}  batch {2}/{3}  loss {4:0.0000}  {6:#,0} samples/s" : "epoch {0}/{1}  batch {2}/{3}  loss {4:0.0000}  acc {5:0.00%}  {6:#,0} samples/s",
                    epoch, _epochs, batch, _train.BatchCount, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen, perSecond);
        }
    }
}
