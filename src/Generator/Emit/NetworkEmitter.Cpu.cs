using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Shapes;

namespace CnnGen.Generator.Emit
{
    /// <summary>
    /// The CPU training code: one arena of activations sized for a batch capacity, a Forward and a Backward
    /// that call the runtime kernels with every shape as a constant, and the public Predict / ForwardBackward.
    /// Gradient convention: every backward call overwrites its outputs (dX, dW, dB); nothing accumulates.
    /// </summary>
    internal sealed partial class NetworkEmitter
    {
        private IEnumerable<LayerPlan> Layers => _plan.Layers;

        private bool NeedsGradient(int i)
            => _layout.OwnsOutput(i) && (i >= _layout.FirstTrainable || i == LastOwner);

        /// <summary>The layer that owns the buffer the network's output lives in (−1: the input itself).</summary>
        private int LastOwner
        {
            get
            {
                string name = _layout.Output[_plan.Layers.Count - 1];
                return name == "x" ? -1 : int.Parse(name.Substring(1), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        private static string ActField(string view) => view == "x" ? "_input" : "_act" + view.Substring(1);

        private static string GradField(string view) => "_grad" + view.Substring(1);

        private static string Size(int i) => $"Shapes.Layer{i}Size";

        private void EmitCpu()
        {
            EmitCpuFields();
            EmitAllocation();
            EmitPublicPasses();
            EmitForward();
            EmitBackward();
        }

        private void EmitCpuFields()
        {
            _w.Comment("---- CPU backend ----");
            _w.Comment("Kernel geometry per layer, fixed at compile time.");
            foreach (var l in Layers)
            {
                if (l.Kind == LayerKind.Conv2d)
                {
                    var i = l.Input; var o = l.Output;
                    _w.Line($"private static readonly Conv2dShape Conv{l.Index} = new Conv2dShape(inChannels: {N(i.Channels)}, height: {N(i.Height)}, width: {N(i.Width)}, outChannels: {N(o.Channels)}, kernel: {N(l.Kernel)}, stride: {N(l.Stride)}, padding: {N(l.Padding)}, dilation: {N(l.Dilation)}, groups: {N(l.Groups)}, outHeight: {N(o.Height)}, outWidth: {N(o.Width)});");
                }
                else if (l.Kind == LayerKind.MaxPool2d || l.Kind == LayerKind.AvgPool2d)
                {
                    var i = l.Input; var o = l.Output;
                    string include = l.Kind == LayerKind.AvgPool2d ? $", countIncludePad: {(l.Spec.Bool("countIncludePad") ? "true" : "false")}" : "";
                    _w.Line($"private static readonly Pool2dShape Pool{l.Index} = new Pool2dShape(channels: {N(i.Channels)}, height: {N(i.Height)}, width: {N(i.Width)}, kernel: {N(l.Kernel)}, stride: {N(l.Stride)}, padding: {N(l.Padding)}, dilation: {N(l.Dilation)}, outHeight: {N(o.Height)}, outWidth: {N(o.Width)}{include});");
                }
            }
            _w.Line();
            _w.Comment("Activations (and dropout masks) of up to _capacity samples live in one pinned array; gradients in another,");
            _w.Comment("made on the first ForwardBackward so that inference-only use never pays for them.");
            _w.Line("private int _capacity;");
            _w.Line("private float[] _activationData = null!;");
            _w.Line("private float[]? _gradientData;");
            _w.Line("private FloatBuffer _input;");
            foreach (var l in Layers)
            {
                int i = l.Index;
                if (_layout.OwnsOutput(i)) _w.Line($"private FloatBuffer _act{i};");
                if (NeedsGradient(i)) _w.Line($"private FloatBuffer _grad{i};");
                if (l.Kind == LayerKind.Dropout) _w.Line($"private FloatBuffer _mask{i};");
                if (l.Kind == LayerKind.MaxPool2d) _w.Line($"private IntBuffer _indices{i};");
            }
            var batchNorms = Layers.Where(l => l.Kind == LayerKind.BatchNorm1d || l.Kind == LayerKind.BatchNorm2d).ToList();
            if (batchNorms.Count > 0)
            {
                _w.Comment("BatchNorm batch statistics saved by the training forward for the backward.");
                _w.Line($"private readonly float[] _statData = new float[{N(batchNorms.Sum(l => 2 * l.Input.Channels))}];");
                long offset = 0;
                foreach (var l in batchNorms)
                {
                    _w.Line($"private FloatBuffer _saveMean{l.Index} => new FloatBuffer(_statData, {N(offset)}, {N(l.Input.Channels)});");
                    _w.Line($"private FloatBuffer _saveInvStd{l.Index} => new FloatBuffer(_statData, {N(offset + l.Input.Channels)}, {N(l.Input.Channels)});");
                    offset += 2 * l.Input.Channels;
                }
            }
            if (Layers.Any(l => l.Kind == LayerKind.MaxPool2d)) _w.Line("private int[] _indexData = null!;");
            if (Layers.Any(l => l.Kind == LayerKind.Dropout))
            {
                _w.Comment("Dropout masks are a pure function of (seed, step, element): reproducible whatever the thread count.");
                _w.Line("private readonly ulong _dropoutSeed;");
                _w.Line("private ulong _dropoutStep;");
                _w.Line();
                _w.Line("/// <inheritdoc/>");
                _w.Line("public ulong DropoutStep { get => _dropoutStep; set => _dropoutStep = value; }");
            }
            else
            {
                _w.Line("private readonly ulong _dropoutSeed; // no Dropout layer: unused");
                _w.Line();
                _w.Line("/// <inheritdoc/>");
                _w.Line("public ulong DropoutStep { get => 0; set { } }");
            }
            _w.Line();
        }

        private void EmitAllocation()
        {
            // Floats per sample in the activation arena: the input, every owned output, every dropout mask.
            var actTerms = new List<string> { "Shapes.InputSize" };
            foreach (var l in Layers)
            {
                if (_layout.OwnsOutput(l.Index)) actTerms.Add(Size(l.Index));
                if (l.Kind == LayerKind.Dropout) actTerms.Add(Size(l.Index));
            }
            var gradTerms = Layers.Where(l => NeedsGradient(l.Index)).Select(l => Size(l.Index)).ToList();
            var indexTerms = Layers.Where(l => l.Kind == LayerKind.MaxPool2d).Select(l => Size(l.Index)).ToList();

            _w.Comment($"Floats per sample: activations and masks, gradients{(indexTerms.Count > 0 ? ", and max-pool argmax indices" : "")}.");
            _w.Line($"private const long ActivationFloatsPerSample = {string.Join(" + ", actTerms)};");
            _w.Line($"private const long GradientFloatsPerSample = {(gradTerms.Count == 0 ? "0" : string.Join(" + ", gradTerms))};");
            if (indexTerms.Count > 0) _w.Line($"private const long IndicesPerSample = {string.Join(" + ", indexTerms)};");
            _w.Line();

            _w.Summary("Makes the activation arena for <paramref name=\"capacity\"/> samples (and drops the gradient arena, remade on demand).");
            _w.Open("private void AllocateActivations(int capacity)");
            _w.Line("_activationData = global::System.GC.AllocateUninitializedArray<float>(ArenaLength(capacity, ActivationFloatsPerSample), pinned: true);");
            _w.Line("int offset = 0;");
            _w.Line("_input = new FloatBuffer(_activationData, offset, capacity * Shapes.InputSize); offset += capacity * Shapes.InputSize;");
            foreach (var l in Layers)
            {
                int i = l.Index;
                if (_layout.OwnsOutput(i))
                    _w.Line($"_act{i} = new FloatBuffer(_activationData, offset, capacity * {Size(i)}); offset += capacity * {Size(i)};");
                if (l.Kind == LayerKind.Dropout)
                    _w.Line($"_mask{i} = new FloatBuffer(_activationData, offset, capacity * {Size(i)}); offset += capacity * {Size(i)};");
            }
            if (indexTerms.Count > 0)
            {
                _w.Line("_indexData = new int[ArenaLength(capacity, IndicesPerSample)];");
                _w.Line("offset = 0;");
                foreach (var l in Layers.Where(l => l.Kind == LayerKind.MaxPool2d))
                    _w.Line($"_indices{l.Index} = new IntBuffer(_indexData, offset, capacity * {Size(l.Index)}); offset += capacity * {Size(l.Index)};");
            }
            _w.Line("_gradientData = null;");
            _w.Line("_capacity = capacity;");
            _w.Close();
            _w.Line();

            _w.Open("private void AllocateGradients()");
            _w.Line("_gradientData = global::System.GC.AllocateUninitializedArray<float>(ArenaLength(_capacity, GradientFloatsPerSample), pinned: true);");
            _w.Line("int offset = 0;");
            foreach (var l in Layers.Where(l => NeedsGradient(l.Index)))
                _w.Line($"_grad{l.Index} = new FloatBuffer(_gradientData, offset, _capacity * {Size(l.Index)}); offset += _capacity * {Size(l.Index)};");
            _w.Close();
            _w.Line();

            _w.Open("private int ArenaLength(int capacity, long perSample)");
            _w.Line("long length = capacity * perSample;");
            _w.Line("if (length > global::System.Array.MaxLength)");
            _w.Line($"    throw new global::System.ArgumentOutOfRangeException(nameof(capacity), capacity, $\"A batch of {{capacity}} needs {{length}} floats of {_spec.ClassName} activations, more than one array holds: use a smaller batch.\");");
            _w.Line("return (int)length;");
            _w.Close();
            _w.Line();
        }

        private void EmitPublicPasses()
        {
            string outField = ActField(_layout.Output[_plan.Layers.Count - 1]);
            string input = _plan.Input.Text;

            _w.Open("private void CheckInput(string method, int inputLength, int batch)");
            _w.Line($"if (batch < 1) throw new global::System.ArgumentOutOfRangeException(nameof(batch), batch, $\"{_spec.ClassName}.{{method}}: batch must be at least 1.\");");
            _w.Line("if (inputLength != (long)batch * Shapes.InputSize)");
            _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.{{method}}: input holds {{inputLength}} floats, but {{batch}} samples of {input} need {{(long)batch * Shapes.InputSize}}.\", \"input\");");
            _w.Close();
            _w.Line();

            _w.Line("/// <inheritdoc/>");
            _w.Open("public void Predict(global::System.ReadOnlySpan<float> input, int batch, global::System.Span<float> logits)");
            _w.Line("CheckInput(nameof(Predict), input.Length, batch);");
            _w.Line("if (logits.Length != (long)batch * Shapes.OutputSize)");
            _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.Predict: logits holds {{logits.Length}} floats, but {{batch}} samples need {{(long)batch * Shapes.OutputSize}}.\", nameof(logits));");
            _w.Comment("Evaluation semantics whatever the mode, in chunks of the arena's capacity.");
            _w.Open("for (int start = 0; start < batch; start += _capacity)");
            _w.Line("int n = global::System.Math.Min(_capacity, batch - start);");
            _w.Line("input.Slice(start * Shapes.InputSize, n * Shapes.InputSize).CopyTo(_input.Span);");
            _w.Line("Forward(n, training: false);");
            _w.Line($"{outField}.Span.Slice(0, n * Shapes.OutputSize).CopyTo(logits.Slice(start * Shapes.OutputSize));");
            _w.Close();
            _w.Close();
            _w.Line();

            _w.Line("/// <inheritdoc/>");
            _w.Line("public float ForwardBackward(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels, int batch)");
            _w.Line("    => ForwardBackward(input, labels, batch, default);");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Open("public float ForwardBackward(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels, int batch, global::System.Span<float> logits)");
            _w.Line("CheckInput(nameof(ForwardBackward), input.Length, batch);");
            _w.Line("if (labels.Length != batch)");
            _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: {{labels.Length}} labels for a batch of {{batch}}.\", nameof(labels));");
            _w.Line("if (!logits.IsEmpty && logits.Length != (long)batch * Shapes.OutputSize)");
            _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: logits holds {{logits.Length}} floats, but {{batch}} samples need {{(long)batch * Shapes.OutputSize}}.\", nameof(logits));");
            // Everything about the call is checked before the forward pass, which moves BatchNorm's running statistics:
            // a refused call changes nothing.
            _w.Open("for (int row = 0; row < batch; row++)");
            _w.Line("if ((uint)labels[row] >= (uint)Shapes.OutputSize)");
            _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: label {{labels[row]}} of sample {{row}} is outside the {{Shapes.OutputSize}} classes [0, {{Shapes.OutputSize}}).\", nameof(labels));");
            _w.Close();
            // BatchNorm over one value per channel per sample (BatchNorm1d, or a 1×1 map) cannot estimate a variance from one sample.
            var firstBatchNorm1d = Layers.FirstOrDefault(l => (l.Kind == LayerKind.BatchNorm1d || l.Kind == LayerKind.BatchNorm2d)
                && (!l.Input.IsSpatial || l.Input.Height * l.Input.Width == 1));
            if (firstBatchNorm1d != null)
            {
                _w.Line("if (_training && batch < 2)");
                _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: {firstBatchNorm1d.Spec.AttributeName} [{firstBatchNorm1d.Index}] needs more than one value per channel in training mode, but the batch has {{batch}} sample: use a batch of 2 or more, or call Eval() first.\", nameof(batch));");
            }
            _w.Line("if (batch > _capacity) AllocateActivations(batch);");
            _w.Line("if (_gradientData is null) AllocateGradients();");
            _w.Line("input.CopyTo(_input.Span);");
            _w.Line("bool training = _training;");
            if (Layers.Any(l => l.Kind == LayerKind.Dropout)) _w.Line("if (training) _dropoutStep++;");
            _w.Line("Forward(batch, training);");
            string outView = _layout.Output[_plan.Layers.Count - 1];
            string outGrad = outView == "x" ? "" : GradField(outView);
            _w.Line($"var output = {outField}.Slice(0, batch * Shapes.OutputSize);");
            _w.Line("if (!logits.IsEmpty) output.Span.CopyTo(logits);");
            _w.Comment("Softmax + cross-entropy in one pass: the mean loss, and dLoss/dLogits into the output's gradient.");
            _w.Line($"float loss = SoftmaxCrossEntropyKernel.ForwardBackward(output, labels, {outGrad}.Slice(0, batch * Shapes.OutputSize), batch, Shapes.OutputSize);");
            _w.Line("Backward(batch, training);");
            _w.Line("return loss;");
            _w.Close();
            _w.Line();
        }

        /// <summary>Declares the views (the first n samples) of the buffers a pass uses.</summary>
        private void EmitViews(bool backward)
        {
            _w.Line("var x = _input.Slice(0, n * Shapes.InputSize);");
            foreach (var l in Layers)
            {
                int i = l.Index;
                if (_layout.OwnsOutput(i)) _w.Line($"var a{i} = _act{i}.Slice(0, n * {Size(i)});");
                if (backward && NeedsGradient(i)) _w.Line($"var g{i} = _grad{i}.Slice(0, n * {Size(i)});");
                if (l.Kind == LayerKind.Dropout) _w.Line($"var m{i} = _mask{i}.Slice(0, n * {Size(i)});");
                if (l.Kind == LayerKind.MaxPool2d) _w.Line($"var idx{i} = _indices{i}.Slice(0, n * {Size(i)});");
            }
        }

        private void EmitForward()
        {
            _w.Summary("Forward pass over the first <paramref name=\"n\"/> samples of the input buffer.");
            _w.Open("private void Forward(int n, bool training)");
            EmitViews(backward: false);
            foreach (var l in Layers)
            {
                _w.Line();
                int i = l.Index;
                string x = i == 0 ? "x" : _layout.Output[i - 1];
                string y = _layout.Output[i];
                if (_layout.FusedInto[i] >= 0)
                {
                    _w.Comment($"[{i}] ReLU: runs in the epilogue of [{_layout.FusedInto[i]}]");
                    continue;
                }
                if (l.Kind == LayerKind.Flatten)
                {
                    _w.Comment($"{l.Comment}: a view of {x}, no copy");
                    continue;
                }
                string fused = _layout.FusedRelu[i] ? $", with [{i + 1}] ReLU fused into its epilogue" : "";
                _w.Comment(l.Comment + fused);
                string epilogue = _layout.FusedRelu[i] ? "Epilogue.ReLU" : "Epilogue.None";
                string bias = l.Parameters.Any(p => p.Role == "bias") ? Field("bias", i) : "FloatBuffer.Empty";
                switch (l.Kind)
                {
                    case LayerKind.Conv2d:
                        _w.Line($"Conv2dKernel.Forward({x}, {Field("weight", i)}, {bias}, {y}, n, in Conv{i}, {epilogue});");
                        break;
                    case LayerKind.Linear:
                        _w.Line($"LinearKernel.Forward({x}, {Field("weight", i)}, {bias}, {y}, n, inFeatures: {N(l.Input.Size)}, outFeatures: {N(l.Output.Size)}, {epilogue});");
                        break;
                    case LayerKind.MaxPool2d:
                        _w.Line($"MaxPool2dKernel.Forward({x}, {y}, idx{i}, n, in Pool{i});");
                        break;
                    case LayerKind.AvgPool2d:
                        _w.Line($"AvgPool2dKernel.Forward({x}, {y}, n, in Pool{i});");
                        break;
                    case LayerKind.AdaptiveAvgPool2d:
                        _w.Line($"AdaptiveAvgPool2dKernel.Forward({x}, {y}, n, channels: {N(l.Input.Channels)}, height: {N(l.Input.Height)}, width: {N(l.Input.Width)}, outHeight: {N(l.Output.Height)}, outWidth: {N(l.Output.Width)});");
                        break;
                    case LayerKind.BatchNorm1d:
                    case LayerKind.BatchNorm2d:
                    {
                        long c = l.Input.Channels, spatial = l.Input.IsSpatial ? l.Input.Height * l.Input.Width : 1;
                        string eps = F(l.Spec.Double("eps")), momentum = F(l.Spec.Double("momentum"));
                        // A batch of 1 over one value per channel is refused by ForwardBackward before any pass runs.
                        _w.Open("if (training)");
                        _w.Line($"BatchNormKernel.ForwardTraining({x}, {Field("weight", i)}, {Field("bias", i)}, {y}, {Field("running_mean", i)}, {Field("running_var", i)}, _saveMean{i}, _saveInvStd{i}, n, channels: {N(c)}, spatial: {N(spatial)}, eps: {eps}, momentum: {momentum});");
                        _w.Line($"{Field("num_batches_tracked", i)}.Span[0] += 1;");
                        _w.Close();
                        _w.Open("else");
                        _w.Line($"BatchNormKernel.ForwardInference({x}, {Field("weight", i)}, {Field("bias", i)}, {y}, {Field("running_mean", i)}, {Field("running_var", i)}, n, channels: {N(c)}, spatial: {N(spatial)}, eps: {eps});");
                        _w.Close();
                        break;
                    }
                    case LayerKind.ReLU:
                    case LayerKind.Sigmoid:
                    case LayerKind.Tanh:
                        _w.Line($"ActivationKernel.Forward(ActivationKind.{l.Kind}, {x}, {y}, n * {Size(i)});");
                        break;
                    case LayerKind.LeakyReLU:
                        _w.Line($"ActivationKernel.Forward(ActivationKind.LeakyReLU, {x}, {y}, n * {Size(i)}, negativeSlope: {F(l.Spec.Double("negativeSlope"))});");
                        break;
                    case LayerKind.Dropout:
                        _w.Line($"if (training) DropoutKernel.Forward({x}, {y}, m{i}, n * {Size(i)}, p: {F(l.Spec.Double("p"))}, seed: _dropoutSeed + _dropoutStep * 1000003UL + {N(i)}UL);");
                        _w.Line($"else {x}.Span.CopyTo({y}.Span);");
                        break;
                }
            }
            _w.Close();
            _w.Line();
        }

        private void EmitBackward()
        {
            _w.Summary("Backward pass: from dLoss/dLogits (already in the output's gradient) to every parameter's Grad.\n"
                + "Each call overwrites its outputs; layers before the first one with parameters are skipped.");
            _w.Open("private void Backward(int n, bool training)");
            EmitViews(backward: true);
            for (int i = _plan.Layers.Count - 1; i >= _layout.FirstTrainable; i--)
            {
                var l = _plan.Layers[i];
                _w.Line();
                if (_layout.FusedInto[i] >= 0)
                {
                    _w.Comment($"[{i}] ReLU: its backward is the mask [{_layout.FusedInto[i]}] applies to dY");
                    continue;
                }
                if (l.Kind == LayerKind.Flatten)
                {
                    _w.Comment($"{l.Comment}: the gradient is a view too");
                    continue;
                }
                string x = i == 0 ? "x" : _layout.Output[i - 1];
                string y = _layout.Output[i];
                string dy = _layout.Gradient[i];
                string dxName = _layout.InputGradient(i);
                string dx = dxName.Length == 0 ? "FloatBuffer.Empty" : dxName;
                _w.Comment(l.Comment + (_layout.FusedRelu[i] ? $", with [{i + 1}] ReLU" : "") + (dxName.Length == 0 ? " (first trainable layer: no dX)" : ""));
                string epilogue = _layout.FusedRelu[i] ? "Epilogue.ReLU" : "Epilogue.None";
                string biasGrad = l.Parameters.Any(p => p.Role == "bias") ? Field("bias", i) + "Grad" : "FloatBuffer.Empty";
                switch (l.Kind)
                {
                    case LayerKind.Conv2d:
                        _w.Line($"Conv2dKernel.Backward({x}, {Field("weight", i)}, {y}, {dy}, {dx}, {Field("weight", i)}Grad, {biasGrad}, n, in Conv{i}, {epilogue});");
                        break;
                    case LayerKind.Linear:
                        _w.Line($"LinearKernel.Backward({x}, {Field("weight", i)}, {y}, {dy}, {dx}, {Field("weight", i)}Grad, {biasGrad}, n, inFeatures: {N(l.Input.Size)}, outFeatures: {N(l.Output.Size)}, {epilogue});");
                        break;
                    case LayerKind.MaxPool2d:
                        _w.Line($"MaxPool2dKernel.Backward({dy}, idx{i}, {dx}, n, in Pool{i});");
                        break;
                    case LayerKind.AvgPool2d:
                        _w.Line($"AvgPool2dKernel.Backward({dy}, {dx}, n, in Pool{i});");
                        break;
                    case LayerKind.AdaptiveAvgPool2d:
                        _w.Line($"AdaptiveAvgPool2dKernel.Backward({dy}, {dx}, n, channels: {N(l.Input.Channels)}, height: {N(l.Input.Height)}, width: {N(l.Input.Width)}, outHeight: {N(l.Output.Height)}, outWidth: {N(l.Output.Width)});");
                        break;
                    case LayerKind.BatchNorm1d:
                    case LayerKind.BatchNorm2d:
                    {
                        long c = l.Input.Channels, spatial = l.Input.IsSpatial ? l.Input.Height * l.Input.Width : 1;
                        _w.Line("if (training)");
                        _w.Line($"    BatchNormKernel.Backward({x}, {Field("weight", i)}, {dy}, _saveMean{i}, _saveInvStd{i}, {dx}, {Field("weight", i)}Grad, {Field("bias", i)}Grad, n, channels: {N(c)}, spatial: {N(spatial)});");
                        _w.Line("else");
                        _w.Line($"    BatchNormKernel.BackwardInference({x}, {Field("weight", i)}, {dy}, {Field("running_mean", i)}, {Field("running_var", i)}, {dx}, {Field("weight", i)}Grad, {Field("bias", i)}Grad, n, channels: {N(c)}, spatial: {N(spatial)}, eps: {F(l.Spec.Double("eps"))});");
                        break;
                    }
                    case LayerKind.ReLU:
                    case LayerKind.Sigmoid:
                    case LayerKind.Tanh:
                        _w.Line($"ActivationKernel.Backward(ActivationKind.{l.Kind}, {y}, {dy}, {dx}, n * {Size(i)});");
                        break;
                    case LayerKind.LeakyReLU:
                        _w.Line($"ActivationKernel.Backward(ActivationKind.LeakyReLU, {y}, {dy}, {dx}, n * {Size(i)}, negativeSlope: {F(l.Spec.Double("negativeSlope"))});");
                        break;
                    case LayerKind.Dropout:
                        _w.Line($"if (training) DropoutKernel.Backward({dy}, m{i}, {dx}, n * {Size(i)});");
                        _w.Line($"else {dy}.Span.CopyTo({dx}.Span);");
                        break;
                }
            }
            _w.Close();
        }
    }
}
