using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace CnnGen.Training
{
    /// <summary>
    /// Decides, step by step, whether training has diverged: a loss that is not finite, a gradient or an updated
    /// weight holding NaN or ∞, or a finite loss far above its recent history. The last rule compares the loss with
    /// <c>factor × max(median of the last 50 losses, the run's scale)</c>, where the scale is the first loss seen
    /// (a resumed run's first epoch's mean): the median follows a loss that falls as the model learns, and the
    /// scale keeps a model that reached a loss near 0 from calling an ordinary hard batch a divergence. With the
    /// default factor 1000 a cross-entropy run on 10 classes stops at a loss of about 2,300 or more.
    /// </summary>
    internal sealed class DivergenceGuard
    {
        private const int Window = 50;
        // The rule applies from the second batch on: an lr of 1e6 blows the loss up at the very first update.
        private const int MinHistory = 1;
        private readonly double _factor;
        private readonly float[] _recent = new float[Window];
        private readonly float[] _sorted = new float[Window];
        private int _count;
        private int _next;
        private double _scale = double.NaN;

        /// <param name="factor">The spike factor; 0 or ∞ turns the spike rule off (non-finite values are always caught).</param>
        public DivergenceGuard(double factor) => _factor = factor;

        /// <summary>Sets the scale from a resumed run's first epoch.</summary>
        public void SetScale(double firstEpochLoss)
        {
            if (double.IsFinite(firstEpochLoss) && firstEpochLoss > 0) _scale = firstEpochLoss;
        }

        /// <summary>After ForwardBackward, before the step: why the loss or the gradients show divergence, or null.</summary>
        public string? CheckLossAndGradients(float loss, INetwork model)
        {
            if (!float.IsFinite(loss)) return "the loss is " + Text(loss);
            foreach (var p in model.Parameters)
                if (!AllFinite(p.Grad)) return $"the gradient of '{p.Name}' holds NaN or infinite values (the loss is {Text(loss)})";
            if (_count >= MinHistory && _factor > 0 && double.IsFinite(_factor))
            {
                int n = Math.Min(_count, Window);
                Array.Copy(_recent, _sorted, n);
                Array.Sort(_sorted, 0, n);
                double median = n % 2 == 1 ? _sorted[n / 2] : 0.5 * (_sorted[n / 2 - 1] + _sorted[n / 2]);
                double reference = Math.Max(median, double.IsNaN(_scale) ? 0 : _scale);
                if (reference > 0 && loss > _factor * reference)
                    return string.Format(CultureInfo.InvariantCulture,
                        "the loss is {0:G4}, more than {1:0.###}× its recent level {2:G4} (the median of the last {3} batches, or the first epoch's mean if larger)",
                        loss, _factor, reference, n);
            }
            if (double.IsNaN(_scale)) _scale = loss;
            _recent[_next] = loss;
            _next = (_next + 1) % Window;
            _count++;
            return null;
        }

        /// <summary>After the step: why the weights show divergence, or null.</summary>
        public static string? CheckWeights(INetwork model)
        {
            foreach (var p in model.Parameters)
                if (!AllFinite(p.Data)) return $"the update made '{p.Name}' NaN or infinite";
            foreach (var b in model.Buffers)
                if (!AllFinite(b.Data)) return $"the buffer '{b.Name}' became NaN or infinite";
            return null;
        }

        /// <summary>True when no value is NaN or ±∞ (x − x is 0 for every finite x and NaN otherwise).</summary>
        public static bool AllFinite(ReadOnlySpan<float> values)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            var acc = Vector<float>.Zero;
            foreach (var v in vectors) acc += v - v;
            if (!Vector.EqualsAll(acc, Vector<float>.Zero)) return false;
            for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
                if (!float.IsFinite(values[i])) return false;
            return true;
        }

        /// <summary>The index of the first non-finite value, or −1.</summary>
        public static int FirstNonFinite(ReadOnlySpan<float> values)
        {
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i])) return i;
            return -1;
        }

        public static string Text(float loss)
            => float.IsNaN(loss) ? "NaN" : float.IsPositiveInfinity(loss) ? "+Infinity" : float.IsNegativeInfinity(loss) ? "-Infinity"
             : loss.ToString("G4", CultureInfo.InvariantCulture);
    }
}
