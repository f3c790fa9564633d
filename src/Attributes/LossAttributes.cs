using System;

namespace CnnGen
{
    /// <summary>
    /// Base of the loss attributes. A network declares at most one; without one it trains with
    /// <see cref="CrossEntropyLossAttribute"/> defaults. The generator fuses the loss into the generated backward and
    /// checks at compile time that it fits the network's output.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = true)]
    public abstract class LossAttribute : Attribute
    {
    }

    /// <summary>
    /// Softmax cross-entropy over the logits with integer class labels, as <c>torch.nn.CrossEntropyLoss</c>
    /// (mean reduction; with class weights the mean is weighted as PyTorch does).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class CrossEntropyLossAttribute : LossAttribute
    {
        /// <param name="labelSmoothing">PyTorch's <c>label_smoothing</c>, in [0, 1).</param>
        /// <param name="classWeights">PyTorch's <c>weight</c>: one non-negative weight per class, or none.</param>
        public CrossEntropyLossAttribute(double labelSmoothing = 0.0, float[]? classWeights = null)
        {
            LabelSmoothing = labelSmoothing;
            ClassWeights = classWeights;
        }

        /// <summary>Label smoothing.</summary>
        public double LabelSmoothing { get; }
        /// <summary>Per-class weights, or null.</summary>
        public float[]? ClassWeights { get; }
    }

    /// <summary>
    /// Sigmoid plus binary cross-entropy per output, as <c>torch.nn.BCEWithLogitsLoss</c> (mean over every element):
    /// multi-label classification with float targets in [0, 1].
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class BCEWithLogitsLossAttribute : LossAttribute
    {
    }

    /// <summary>Mean squared error against float targets, as <c>torch.nn.MSELoss</c> (mean over every element): regression.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class MSELossAttribute : LossAttribute
    {
    }
}
