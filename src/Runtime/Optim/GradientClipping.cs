using System;
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.Optim
{
    /// <summary>Thrown by <see cref="GradientClipping.ClipGradNorm"/> with errorIfNonfinite when the gradients' norm is NaN or infinite.</summary>
    public sealed class NonFiniteGradientException : ArithmeticException
    {
        public NonFiniteGradientException(string message, string? parameterName) : base(message) => ParameterName = parameterName;

        /// <summary>The first parameter whose gradient holds a NaN or infinity, or null when only the sum overflowed.</summary>
        public string? ParameterName { get; }
    }

    /// <summary>Gradient clipping by the global norm, as <c>torch.nn.utils.clip_grad_norm_</c> (PyTorch 1.13).</summary>
    public static class GradientClipping
    {
        /// <summary>
        /// Computes the norm of all gradients together, as if concatenated into one vector, and when it exceeds
        /// <paramref name="maxNorm"/> scales every gradient in place by maxNorm / (norm + 1e-6). Returns the norm
        /// before clipping. As in PyTorch, a NaN norm makes every gradient NaN and an infinite one scales them by 0, unless
        /// <paramref name="errorIfNonfinite"/> asks for an exception instead, which then leaves the gradients as they were.
        /// </summary>
        /// <param name="parameters">The parameters whose <see cref="Parameter.Grad"/> is clipped.</param>
        /// <param name="maxNorm">The largest norm allowed, &gt; 0.</param>
        /// <param name="normType">The p of the p-norm, &gt; 0; <see cref="double.PositiveInfinity"/> for the largest magnitude.</param>
        /// <param name="errorIfNonfinite">Throw <see cref="NonFiniteGradientException"/> when the norm is NaN or infinite.</param>
        public static float ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm, double normType = 2.0, bool errorIfNonfinite = false)
        {
            if (parameters is null) throw new ArgumentNullException(nameof(parameters));
            if (!(maxNorm > 0) || double.IsInfinity(maxNorm)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "clip_grad_norm: maxNorm must be a finite number > 0.");
            if (!(normType > 0)) throw new ArgumentOutOfRangeException(nameof(normType), normType, "clip_grad_norm: normType must be > 0 (or +∞).");
            var list = new List<Parameter>(parameters);
            if (list.Count == 0) return 0f;

            // PyTorch takes each tensor's norm, then the norm of those norms; one float64 sum over every element is
            // the same number with less rounding.
            bool inf = double.IsPositiveInfinity(normType);
            double acc = 0;
            foreach (var p in list)
            {
                foreach (float g in p.Grad)
                {
                    double a = Math.Abs((double)g);
                    if (inf) acc = double.IsNaN(a) || double.IsNaN(acc) ? double.NaN : Math.Max(acc, a);
                    else acc += normType == 2.0 ? a * a : normType == 1.0 ? a : Math.Pow(a, normType);
                }
            }
            float total = (float)(inf || normType == 1.0 ? acc : normType == 2.0 ? Math.Sqrt(acc) : Math.Pow(acc, 1.0 / normType));

            if (!float.IsFinite(total))
            {
                if (errorIfNonfinite)
                {
                    string? culprit = FirstNonFinite(list);
                    throw new NonFiniteGradientException(string.Format(CultureInfo.InvariantCulture,
                        "The total norm of order {0} of the gradients is {1}, so it cannot be clipped{2}. " +
                        "To scale the gradients by the non-finite norm anyway, pass errorIfNonfinite: false.",
                        normType, total, culprit is null ? " (every element is finite: the sum overflowed)" : $": the gradient of '{culprit}' holds NaN or ∞"),
                        culprit);
                }
            }
            // float32 as in PyTorch: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1 (NaN stays NaN).
            float coef = (float)maxNorm / (total + 1e-6f);
            if (coef < 1f || float.IsNaN(coef))
            {
                foreach (var p in list)
                {
                    var g = p.Grad;
                    for (int i = 0; i < g.Length; i++) g[i] *= coef;
                }
            }
            return total;
        }

        private static string? FirstNonFinite(List<Parameter> list)
        {
            foreach (var p in list)
                foreach (float g in p.Grad)
                    if (!float.IsFinite(g)) return p.Name;
            return null;
        }
    }
}
