using System;
using System.Numerics.Tensors;

namespace CnnGen.Cpu
{
    /// <summary>
    /// <c>torch.nn.CrossEntropyLoss(weight, label_smoothing)</c> with mean reduction, fused with its backward:
    /// softmax over each row of logits, the loss, and dLoss/dLogits in one pass per row. With class weights w and
    /// smoothing ε over C classes, as PyTorch 1.13 computes it (W = Σ over rows of w[label], the normaliser of the
    /// weighted mean):
    /// <code>
    /// loss = (1 − ε) · Σᵢ w[yᵢ]·(−log pᵢ[yᵢ]) / W  +  (ε / C) · Σᵢ Σ_c w[c]·(−log pᵢ[c]) / W
    /// dLoss/dzᵢ[c] = ((1 − ε)·w[yᵢ]·(pᵢ[c] − [c = yᵢ]) + (ε / C)·(pᵢ[c]·Σw − w[c])) / W
    /// </code>
    /// Without weights w ≡ 1, so W = N and Σw = C. The smoothing term is divided by the same W as PyTorch does
    /// (not by N), so a class of weight 0 drops out of both. If every row's label has weight 0, W = 0 and the
    /// loss is NaN, as in PyTorch. A NaN logit gives a NaN loss.
    /// </summary>
    public static class CrossEntropyLossKernel
    {
        /// <summary>
        /// Returns the mean loss over <paramref name="n"/> rows and writes dLoss/dLogits into <paramref name="dLogits"/>
        /// (which may be <paramref name="logits"/> itself).
        /// </summary>
        /// <param name="logits">n × classes.</param>
        /// <param name="labels">n class indices.</param>
        /// <param name="dLogits">n × classes, written.</param>
        /// <param name="n">Rows.</param>
        /// <param name="classes">Classes per row.</param>
        /// <param name="labelSmoothing">ε in [0, 1].</param>
        /// <param name="classWeights">One weight ≥ 0 per class, or empty for none.</param>
        public static float ForwardBackward(FloatBuffer logits, ReadOnlySpan<int> labels, FloatBuffer dLogits, int n, int classes,
                                            float labelSmoothing = 0f, ReadOnlySpan<float> classWeights = default)
        {
            double normaliser = Check(logits.Length, labels, n, classes, labelSmoothing, classWeights);
            if (dLogits.Length < (long)n * classes)
                throw new ArgumentException($"CrossEntropyLoss: dLogits holds {dLogits.Length} floats, {n} rows × {classes} classes need {(long)n * classes}.", nameof(dLogits));
            bool weighted = !classWeights.IsEmpty;
            double eps = labelSmoothing, weightSum = weighted ? Sum(classWeights) : classes;
            float invW = (float)(1.0 / normaliser);
            float smoothPerClass = (float)(eps / classes / normaliser);
            Span<float> all = logits.Span, grads = dLogits.Span;
            double nll = 0, smooth = 0;
            for (int row = 0; row < n; row++)
            {
                ReadOnlySpan<float> z = all.Slice(row * classes, classes);
                Span<float> g = grads.Slice(row * classes, classes);
                int label = labels[row];
                double wy = weighted ? classWeights[label] : 1.0;
                // Read everything needed from z before g overwrites it (dLogits may be logits).
                float target = z[label];
                float max = TensorPrimitives.Max(z);
                double weightedZ = 0;
                if (eps != 0)
                {
                    for (int c = 0; c < classes; c++) weightedZ += (weighted ? classWeights[c] : 1.0) * z[c];
                }
                TensorPrimitives.Subtract(z, max, g);
                TensorPrimitives.Exp(g, g);
                float sum = TensorPrimitives.Sum(g);
                double logSum = Math.Log(sum) + max;                       // log Σ exp z
                nll += wy * (logSum - target);                             // w[y] · (−log p[y])
                if (eps != 0) smooth += weightSum * logSum - weightedZ;    // Σ_c w[c] · (−log p[c])
                // g = p · ((1 − ε)·w[y] + ε·Σw / C) / W, then the −[c = y] and −ε·w[c] / C terms.
                float scale = (float)(((1 - eps) * wy + eps * weightSum / classes) / normaliser / sum);
                TensorPrimitives.Multiply(g, scale, g);
                g[label] -= (float)((1 - eps) * wy) * invW;
                if (eps != 0)
                {
                    if (weighted) TensorPrimitives.MultiplyAdd(classWeights.Slice(0, classes), -smoothPerClass, g, g);
                    else TensorPrimitives.Subtract(g, smoothPerClass, g);
                }
            }
            return (float)(((1 - eps) * nll + eps / classes * smooth) / normaliser);
        }

        /// <summary>The mean loss only (evaluation); the same formula as <see cref="ForwardBackward"/>, nothing written.</summary>
        public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n, int classes,
                                 float labelSmoothing = 0f, ReadOnlySpan<float> classWeights = default)
        {
            double normaliser = Check(logits.Length, labels, n, classes, labelSmoothing, classWeights);
            bool weighted = !classWeights.IsEmpty;
            double eps = labelSmoothing, weightSum = weighted ? Sum(classWeights) : classes;
            double nll = 0, smooth = 0;
            for (int row = 0; row < n; row++)
            {
                ReadOnlySpan<float> z = logits.Slice(row * classes, classes);
                int label = labels[row];
                float max = TensorPrimitives.Max(z);
                double sum = 0, weightedZ = 0;
                for (int c = 0; c < classes; c++)
                {
                    sum += Math.Exp(z[c] - max);
                    weightedZ += (weighted ? classWeights[c] : 1.0) * z[c];
                }
                double logSum = Math.Log(sum) + max;
                nll += (weighted ? classWeights[label] : 1.0) * (logSum - z[label]);
                smooth += weightSum * logSum - weightedZ;
            }
            return (float)(((1 - eps) * nll + eps / classes * smooth) / normaliser);
        }

        private static double Sum(ReadOnlySpan<float> values)
        {
            double s = 0;
            foreach (float v in values) s += v;
            return s;
        }

        /// <summary>Validates everything before anything is written; returns the normaliser W.</summary>
        private static double Check(int logitsLength, ReadOnlySpan<int> labels, int n, int classes, float labelSmoothing, ReadOnlySpan<float> classWeights)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"CrossEntropyLoss: the batch must have at least one row, got {n}.");
            if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), $"CrossEntropyLoss: there must be at least one class, got {classes}.");
            if (logitsLength < (long)n * classes)
                throw new ArgumentException($"CrossEntropyLoss: logits hold {logitsLength} floats, {n} rows × {classes} classes need {(long)n * classes}.", "logits");
            if (labels.Length < n) throw new ArgumentException($"CrossEntropyLoss: {labels.Length} labels for {n} rows.", nameof(labels));
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
                throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CrossEntropyLoss: the label smoothing must be in [0, 1].");
            if (!classWeights.IsEmpty)
            {
                if (classWeights.Length != classes)
                    throw new ArgumentException($"CrossEntropyLoss: {classWeights.Length} class weights for {classes} classes.", nameof(classWeights));
                for (int c = 0; c < classes; c++)
                {
                    if (!(classWeights[c] >= 0) || float.IsInfinity(classWeights[c]))
                        throw new ArgumentOutOfRangeException(nameof(classWeights), classWeights[c], $"CrossEntropyLoss: the weight of class {c} is {classWeights[c]}; weights must be finite and ≥ 0.");
                }
            }
            double normaliser = 0;
            for (int row = 0; row < n; row++)
            {
                int label = labels[row];
                if ((uint)label >= (uint)classes)
                    throw new ArgumentOutOfRangeException(nameof(labels), label, $"CrossEntropyLoss: label {label} of row {row} is outside [0, {classes}).");
                normaliser += classWeights.IsEmpty ? 1.0 : classWeights[label];
            }
            return normaliser;
        }
    }

    /// <summary>
    /// <c>torch.nn.BCEWithLogitsLoss()</c> with mean reduction over every element, fused with its backward
    /// (multi-label classification: each output is an independent sigmoid against a float target in [0, 1]).
    /// Computed in the stable form max(x, 0) − x·y + log(1 + exp(−|x|)), so a logit of ±100 neither overflows nor
    /// loses the loss; dLoss/dx = (σ(x) − y) / (n · outputs). A NaN logit gives a NaN loss.
    /// </summary>
    public static class BCEWithLogitsLossKernel
    {
        /// <summary>Returns the mean loss and writes dLoss/dLogits (which may be <paramref name="logits"/> itself).</summary>
        public static float ForwardBackward(FloatBuffer logits, ReadOnlySpan<float> targets, FloatBuffer dLogits, int n, int outputs)
        {
            int count = ElementwiseLoss.Check("BCEWithLogitsLoss", logits.Length, targets.Length, dLogits.Length, n, outputs);
            Span<float> x = logits.Span.Slice(0, count), g = dLogits.Span.Slice(0, count);
            float inv = 1f / count;
            double total = 0;
            for (int i = 0; i < count; i++)
            {
                double xi = x[i], yi = targets[i];
                double e = Math.Exp(-Math.Abs(xi));                                  // in (0, 1]: never overflows
                total += Math.Max(xi, 0) - xi * yi + Math.Log(1 + e);
                double sigmoid = xi >= 0 ? 1 / (1 + e) : e / (1 + e);                // NaN falls through to NaN
                g[i] = (float)(sigmoid - yi) * inv;
            }
            return (float)(total / count);
        }

        /// <summary>The mean loss only.</summary>
        public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int n, int outputs)
        {
            int count = ElementwiseLoss.Check("BCEWithLogitsLoss", logits.Length, targets.Length, int.MaxValue, n, outputs);
            double total = 0;
            for (int i = 0; i < count; i++)
            {
                double xi = logits[i];
                total += Math.Max(xi, 0) - xi * targets[i] + Math.Log(1 + Math.Exp(-Math.Abs(xi)));
            }
            return (float)(total / count);
        }
    }

    /// <summary>
    /// <c>torch.nn.MSELoss()</c> with mean reduction over every element, fused with its backward (regression with
    /// float targets): loss = mean((x − y)²), dLoss/dx = 2·(x − y) / (n · outputs).
    /// </summary>
    public static class MSELossKernel
    {
        /// <summary>Returns the mean loss and writes dLoss/dOutput (which may be <paramref name="output"/> itself).</summary>
        public static float ForwardBackward(FloatBuffer output, ReadOnlySpan<float> targets, FloatBuffer dOutput, int n, int outputs)
        {
            int count = ElementwiseLoss.Check("MSELoss", output.Length, targets.Length, dOutput.Length, n, outputs);
            Span<float> x = output.Span.Slice(0, count), g = dOutput.Span.Slice(0, count);
            float scale = 2f / count;
            double total = 0;
            for (int i = 0; i < count; i++)
            {
                float d = x[i] - targets[i];
                total += (double)d * d;
                g[i] = d * scale;
            }
            return (float)(total / count);
        }

        /// <summary>The mean loss only.</summary>
        public static float Loss(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int n, int outputs)
        {
            int count = ElementwiseLoss.Check("MSELoss", output.Length, targets.Length, int.MaxValue, n, outputs);
            double total = 0;
            for (int i = 0; i < count; i++)
            {
                double d = (double)output[i] - targets[i];
                total += d * d;
            }
            return (float)(total / count);
        }
    }

    internal static class ElementwiseLoss
    {
        /// <summary>Checks the sizes of an elementwise loss's buffers; returns n · outputs.</summary>
        public static int Check(string loss, int inputLength, int targetLength, int gradLength, int n, int outputs)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"{loss}: the batch must have at least one row, got {n}.");
            if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs), $"{loss}: there must be at least one output, got {outputs}.");
            long count = (long)n * outputs;
            if (count > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(n), $"{loss}: {n} rows × {outputs} outputs is too many elements.");
            if (inputLength < count) throw new ArgumentException($"{loss}: the input holds {inputLength} floats, {n} rows × {outputs} outputs need {count}.", "input");
            if (targetLength < count) throw new ArgumentException($"{loss}: the targets hold {targetLength} floats, {n} rows × {outputs} outputs need {count}.", "targets");
            if (gradLength < count) throw new ArgumentException($"{loss}: the gradient buffer holds {gradLength} floats, {n} rows × {outputs} outputs need {count}.", "gradient");
            return (int)count;
        }
    }
}
