using System;
using System.Collections.Generic;

namespace CnnGen
{
    /// <summary>
    /// What every generated network offers, so trainers, loaders and tools can work with any of them.
    /// Inputs are NCHW float32, one sample after another; labels are class indices.
    /// </summary>
    public interface INetwork
    {
        /// <summary>The network class's name.</summary>
        string Name { get; }

        int InputChannels { get; }
        int InputHeight { get; }
        int InputWidth { get; }

        /// <summary>Floats per input sample: channels × height × width.</summary>
        int InputSize { get; }

        /// <summary>Width of the final output (logits per sample).</summary>
        int OutputSize { get; }

        IReadOnlyList<Parameter> Parameters { get; }

        IReadOnlyList<ModelBuffer> Buffers { get; }

        /// <summary>True after <see cref="Train"/> (the default), false after <see cref="Eval"/>.</summary>
        bool IsTraining { get; }

        /// <summary>Training mode: dropout active, BatchNorm uses and updates batch statistics.</summary>
        void Train();

        /// <summary>Evaluation mode: dropout off, BatchNorm uses running statistics.</summary>
        void Eval();

        /// <summary>The layer table computed at compile time.</summary>
        NetworkSummary GetSummary();

        /// <summary>Logits for <paramref name="batch"/> samples with evaluation semantics, whatever the mode.</summary>
        void Predict(ReadOnlySpan<float> input, int batch, Span<float> logits);

        /// <summary>
        /// Forward and backward pass in the current mode. Returns the mean cross-entropy loss and writes
        /// dLoss/dParameter into every <see cref="Parameter.Grad"/>.
        /// </summary>
        float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch);

        /// <summary>As <see cref="ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{int}, int)"/>, also copying the batch's logits out (for running accuracy).</summary>
        float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> logits);

        /// <summary>
        /// Forward and backward pass against float targets, for a network declared with [MSELoss] or [BCEWithLogitsLoss]
        /// (<see cref="OutputSize"/> targets per sample). Returns the mean loss and writes every <see cref="Parameter.Grad"/>.
        /// A network that trains on class labels refuses it.
        /// </summary>
        float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch) => ForwardBackward(input, targets, batch, default);

        /// <summary>As <see cref="ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>, also copying the batch's outputs out.</summary>
        float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> logits)
            => throw new InvalidOperationException($"{Name} trains on class labels (cross-entropy): call ForwardBackward(input, labels, batch), or declare [MSELoss] or [BCEWithLogitsLoss] on the network to train on float targets.");

        /// <summary>
        /// The loss the network trains with, as declared on its class ([CrossEntropyLoss], [MSELoss], [BCEWithLogitsLoss];
        /// cross-entropy when none is). It tells trainers whether the network learns from class labels or float targets.
        /// Generated networks state it; a hand-written network that says nothing trains on class labels.
        /// </summary>
        LossKind LossKind => LossKind.CrossEntropy;

        /// <summary>
        /// Training passes that have drawn dropout masks so far (a mask is a pure function of the seed, this count
        /// and the element). Checkpoints save it so that a resumed run draws the masks an uninterrupted run would.
        /// Always 0 for a network without Dropout.
        /// </summary>
        ulong DropoutStep { get; set; }

        /// <summary>
        /// Writes the inference graph as an ONNX model (opset 17; BatchNorm in its eval form, Dropout left out), for ONNX
        /// Runtime and other ONNX tools. Generated networks implement it; other implementations need not.
        /// </summary>
        void ExportOnnx(string path) => throw new NotSupportedException($"{GetType().Name} cannot export ONNX.");

        /// <summary>Writes parameters and buffers to a safetensors file with PyTorch state_dict names.</summary>
        void Save(string path);

        /// <summary>Reads parameters and buffers from a safetensors file; refuses a file that does not match, changing nothing.</summary>
        void Load(string path);
    }

    /// <summary>The loss a network trains with (see <see cref="INetwork.LossKind"/>).</summary>
    public enum LossKind
    {
        /// <summary>Softmax cross-entropy against class labels (<c>torch.nn.CrossEntropyLoss</c>), the default.</summary>
        CrossEntropy,

        /// <summary>Mean squared error against float targets (<c>torch.nn.MSELoss</c>): regression.</summary>
        MSE,

        /// <summary>Sigmoid binary cross-entropy against float targets in [0, 1] (<c>torch.nn.BCEWithLogitsLoss</c>): multi-label.</summary>
        BCEWithLogits,
    }
}
