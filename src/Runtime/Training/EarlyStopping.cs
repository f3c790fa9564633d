using System;
using System.Globalization;

namespace CnnGen.Training
{
    /// <summary>The per-epoch value early stopping watches.</summary>
    public enum EarlyStoppingMetric
    {
        /// <summary>Mean loss on the test set (lower is better); needs a test loader.</summary>
        TestLoss,

        /// <summary>Accuracy on the test set (higher is better); needs a test loader.</summary>
        TestAccuracy,

        /// <summary>Mean training loss of the epoch (lower is better).</summary>
        TrainLoss,

        /// <summary>Running training accuracy of the epoch (higher is better).</summary>
        TrainAccuracy,
    }

    /// <summary>
    /// Early stopping as Keras' <c>EarlyStopping</c> and Lightning's callback define it: after each epoch the
    /// monitored value counts as an improvement when it beats the best so far by more than <see cref="MinDelta"/>;
    /// after <see cref="Patience"/> epochs in a row without one, training stops at that epoch's end and the best
    /// epoch's weights are put back.
    /// </summary>
    public sealed class EarlyStoppingOptions
    {
        /// <summary>The value watched. Default: the test loss.</summary>
        public EarlyStoppingMetric Monitor { get; init; } = EarlyStoppingMetric.TestLoss;

        /// <summary>Epochs without improvement before training stops (0: stop at the first one). Default 5.</summary>
        public int Patience { get; init; } = 5;

        /// <summary>How much better than the best a value must be to count as an improvement (≥ 0). Default 0.</summary>
        public double MinDelta { get; init; }

        /// <summary>Put the best epoch's weights back into the model when training stops early or ends. Default true.</summary>
        public bool RestoreBestWeights { get; init; } = true;

        internal void Validate(bool hasTestSet, bool floatTargets)
        {
            if (Patience < 0) throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "The early-stopping patience must be ≥ 0 epochs.");
            if (!(MinDelta >= 0) || double.IsInfinity(MinDelta))
                throw new ArgumentOutOfRangeException(nameof(MinDelta), MinDelta, "The early-stopping minimum improvement must be a finite number ≥ 0.");
            if (!Enum.IsDefined(Monitor)) throw new ArgumentOutOfRangeException(nameof(Monitor), Monitor, "Unknown early-stopping metric.");
            if (!hasTestSet && Monitor is EarlyStoppingMetric.TestLoss or EarlyStoppingMetric.TestAccuracy)
                throw new ArgumentException($"Early stopping monitors {Describe(Monitor)}, but no test loader was given to Trainer.Fit.");
            if (floatTargets && Monitor is EarlyStoppingMetric.TestAccuracy or EarlyStoppingMetric.TrainAccuracy)
                throw new ArgumentException($"Early stopping monitors {Describe(Monitor)}, but the network trains on float targets, which have no accuracy; monitor the test or training loss.");
        }

        internal static string Describe(EarlyStoppingMetric m) => m switch
        {
            EarlyStoppingMetric.TestLoss => "the test loss",
            EarlyStoppingMetric.TestAccuracy => "the test accuracy",
            EarlyStoppingMetric.TrainLoss => "the training loss",
            _ => "the training accuracy",
        };
    }

    /// <summary>The running state of early stopping in one run: the best value, its epoch and weights, the wait.</summary>
    internal sealed class EarlyStopper
    {
        private readonly EarlyStoppingOptions _o;
        private WeightSnapshot? _bestWeights;

        public EarlyStopper(EarlyStoppingOptions options) => _o = options;

        public int BestEpoch { get; private set; }

        public double? Best { get; private set; }

        public int Wait { get; private set; }

        /// <summary>Patience used up: training ends at this epoch boundary.</summary>
        public bool ShouldStop => BestEpoch > 0 && Wait >= _o.Patience;

        public bool RestoreBestWeights => _o.RestoreBestWeights;

        /// <summary>Continues from a checkpoint: its counters, and the best weights read from the best-model checkpoint.</summary>
        public void Resume(CheckpointState state, WeightSnapshot? bestWeights)
        {
            BestEpoch = state.BestEpoch;
            Best = state.BestMetric;
            Wait = state.EpochsWithoutImprovement;
            _bestWeights = bestWeights;
        }

        /// <summary>Takes one finished epoch; true when it is the best so far (its weights are then copied).</summary>
        public bool Observe(EpochResult epoch, INetwork model)
        {
            double value = _o.Monitor switch
            {
                EarlyStoppingMetric.TestLoss => epoch.TestLoss ?? double.NaN,
                EarlyStoppingMetric.TestAccuracy => epoch.TestAccuracy ?? double.NaN,
                EarlyStoppingMetric.TrainLoss => epoch.TrainLoss,
                _ => epoch.TrainAccuracy,
            };
            bool lowerIsBetter = _o.Monitor is EarlyStoppingMetric.TestLoss or EarlyStoppingMetric.TrainLoss;
            bool improved = double.IsFinite(value) && (Best is not double best
                || (lowerIsBetter ? value < best - _o.MinDelta : value > best + _o.MinDelta));
            if (!improved)
            {
                Wait++;
                return false;
            }
            Best = value;
            BestEpoch = epoch.Epoch;
            Wait = 0;
            if (_bestWeights is null) _bestWeights = WeightSnapshot.Capture(model);
            else _bestWeights.Update(model);
            return true;
        }

        /// <summary>Puts the best weights back (when asked to and when they are known); true if it did.</summary>
        public bool Restore(INetwork model)
        {
            if (!_o.RestoreBestWeights || _bestWeights is null) return false;
            _bestWeights.Restore(model);
            return true;
        }

        public string Describe()
            => string.Format(CultureInfo.InvariantCulture, "{0} has not improved for {1} epoch{2} (best {3:0.0000} at epoch {4})",
                EarlyStoppingOptions.Describe(_o.Monitor), Wait, Wait == 1 ? "" : "s", Best ?? double.NaN, BestEpoch);
    }
}
