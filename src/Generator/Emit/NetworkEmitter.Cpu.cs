using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Lowering;
using CnnGen.Generator.Model;
using CnnGen.Generator.Shapes;

namespace CnnGen.Generator.Emit
{
    /// <summary>
    /// The CPU backend: renders the <see cref="ExecutionPlan"/> as calls into the runtime's CPU kernels. One arena of
    /// activations sized for a batch capacity, shared gradient slots, a Forward and a Backward with every shape as a
    /// constant, and the public Predict / ForwardBackward. Gradient writes follow the plan: the first writer of a
    /// value overwrites, later writers add (a kernel that can only overwrite writes into scratch, which is added).
    /// </summary>
    internal sealed partial class NetworkEmitter
    {
        private const string Cpu = "global::CnnGen.Cpu.";
        private const string FB = "global::CnnGen.FloatBuffer";
        private const string IB = "global::CnnGen.IntBuffer";

        private IEnumerable<Node> Nodes => _plan.Nodes;

        /// <summary>Local view name of a value's activations: "x" (the input) or "a3_body_0".</summary>
        private string Act(Value v)
        {
            var s = _exec.StorageOf(v);
            return s.IsInput ? "x" : "a" + s.Name;
        }

        /// <summary>Local view name of a value's gradient: "g3_body_0".</summary>
        private string Grad(Value v) => "g" + _exec.StorageOf(v).Name;

        /// <summary>The per-sample size constant of a value: "Shapes.Layer3_body_0Size", "Shapes.InputSize".</summary>
        private string Size(Value v)
        {
            var s = _exec.StorageOf(v);
            return s.IsInput ? "Shapes.InputSize" : SizeOf(s.Root.Producer!);
        }

        private static string SizeOf(Node node) => "Shapes.Layer" + node.Path.Replace('.', '_') + "Size";

        private IEnumerable<Node> BatchNorms => Nodes.Where(n => n.Op is BatchNormOp);

        private bool HasDropout => Nodes.Any(n => n.Op is DropoutOp);

        private void EmitCpu()
        {
            EmitCpuFields();
            EmitAllocation();
            EmitPublicPasses();
            EmitForward();
            EmitBackward();
            EmitInference();
        }

        private void EmitCpuFields()
        {
            _w.Comment("---- CPU backend ----");
            _w.Comment("Kernel geometry per layer, fixed at compile time.");
            foreach (var l in Nodes)
            {
                var i = l.Input; var o = l.Output.Shape;
                if (l.Op is Conv2dOp)
                {
                    _w.Line($"private static readonly {Cpu}Conv2dShape Conv{l.Key} = new {Cpu}Conv2dShape(inChannels: {N(i.Channels)}, height: {N(i.Height)}, width: {N(i.Width)}, outChannels: {N(o.Channels)}, kernel: {N(l.Kernel)}, stride: {N(l.Stride)}, padding: {N(l.Padding)}, dilation: {N(l.Dilation)}, groups: {N(l.Groups)}, outHeight: {N(o.Height)}, outWidth: {N(o.Width)});");
                }
                else if (l.Op is Pool2dOp pool)
                {
                    string include = pool.Max ? "" : $", countIncludePad: {(pool.CountIncludePad ? "true" : "false")}";
                    _w.Line($"private static readonly {Cpu}Pool2dShape Pool{l.Key} = new {Cpu}Pool2dShape(channels: {N(i.Channels)}, height: {N(i.Height)}, width: {N(i.Width)}, kernel: {N(l.Kernel)}, stride: {N(l.Stride)}, padding: {N(l.Padding)}, dilation: {N(l.Dilation)}, outHeight: {N(o.Height)}, outWidth: {N(o.Width)}{include});");
                }
            }
            _w.Line();
            _w.Comment("Activations of up to _capacity samples that backward reads (and dropout masks) live in one pinned array. The values");
            _w.Comment("nothing reads after the forward pass share slots by their lifetime there, in a second array that the backward pass");
            _w.Comment("then uses for the gradients, themselves in slots by their lifetime in the backward pass (a gradient lives from its");
            _w.Comment("first writer to its last reader). Both are made on the first ForwardBackward, for max(batch, maxBatch) samples;");
            _w.Comment("Predict never touches them (it has an arena of its own, below).");
            _w.Line("private readonly int _maxBatch;");
            _w.Line("private int _capacity;");
            _w.Line("private float[] _activationData = null!;");
            _w.Line("private float[] _sharedData = null!;");
            _w.Line("private bool _gradientsReady;");
            _w.Line($"private {FB} _input;");
            foreach (var v in _exec.OwnedValues.Where(_exec.IsPinned)) _w.Line($"private {FB} _act{_exec.StorageOf(v).Name};");
            for (int s = 0; s < _exec.ActivationSlotSizes.Count; s++) _w.Line($"private {FB} _actSlot{s};");
            for (int s = 0; s < _exec.GradientSlotSizes.Count; s++) _w.Line($"private {FB} _gradSlot{s};");
            if (_exec.ScratchSize > 0) _w.Line($"private {FB} _gradScratch;");
            foreach (var l in Nodes)
            {
                if (l.Op is DropoutOp) _w.Line($"private {FB} _mask{l.Key};");
                if (l.Op is Pool2dOp { Max: true }) _w.Line($"private {IB} _indices{l.Key};");
            }
            var batchNorms = BatchNorms.ToList();
            if (batchNorms.Count > 0)
            {
                _w.Comment("BatchNorm batch statistics saved by the training forward for the backward.");
                _w.Line($"private readonly float[] _statData = new float[{N(batchNorms.Sum(l => 2 * l.Input.Channels))}];");
                long offset = 0;
                foreach (var l in batchNorms)
                {
                    _w.Line($"private {FB} _saveMean{l.Key} => new {FB}(_statData, {N(offset)}, {N(l.Input.Channels)});");
                    _w.Line($"private {FB} _saveInvStd{l.Key} => new {FB}(_statData, {N(offset + l.Input.Channels)}, {N(l.Input.Channels)});");
                    offset += 2 * l.Input.Channels;
                }
            }
            if (Nodes.Any(l => l.Op is Pool2dOp { Max: true })) _w.Line("private int[] _indexData = null!;");
            if (HasDropout)
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
            // Floats per sample in the activation arena: the input, every value backward reads, every dropout mask.
            var actTerms = new List<string> { "Shapes.InputSize" };
            foreach (var v in _exec.OwnedValues.Where(_exec.IsPinned)) actTerms.Add(Size(v));
            foreach (var l in Nodes.Where(l => l.Op is DropoutOp)) actTerms.Add(SizeOf(l));
            long gradientFloats = _exec.GradientSlotSizes.Sum() + _exec.ScratchSize;
            long transientFloats = _exec.ActivationSlotSizes.Sum();
            var maxPools = Nodes.Where(l => l.Op is Pool2dOp { Max: true }).ToList();
            var indexTerms = maxPools.Select(SizeOf).ToList();

            _w.Comment("Floats per sample: the activations backward reads, and dropout masks; the shared arena, which holds the activations");
            _w.Comment("nothing reads after the forward pass while it runs, and the gradients (slots and scratch) in the backward pass.");
            _w.Line($"private const long ActivationFloatsPerSample = {string.Join(" + ", actTerms)};");
            _w.Line($"private const long TransientFloatsPerSample = {N(transientFloats)};");
            _w.Line($"private const long GradientFloatsPerSample = {N(System.Math.Max(gradientFloats, transientFloats))}; // the shared arena once gradients are needed: max({N(gradientFloats)}, {N(transientFloats)})");
            if (indexTerms.Count > 0) _w.Line($"private const long IndicesPerSample = {string.Join(" + ", indexTerms)};");
            _w.Line();

            _w.Summary("Makes the activation arena for <paramref name=\"capacity\"/> samples, and a shared arena for the forward's transient\n"
                + "values only (the gradients get theirs on the first ForwardBackward).");
            _w.Open("private void AllocateActivations(int capacity)");
            _w.Line("_activationData = global::System.GC.AllocateUninitializedArray<float>(ArenaLength(capacity, ActivationFloatsPerSample), pinned: true);");
            _w.Line("int offset = 0;");
            _w.Line($"_input = new {FB}(_activationData, offset, capacity * Shapes.InputSize); offset += capacity * Shapes.InputSize;");
            foreach (var v in _exec.OwnedValues.Where(_exec.IsPinned))
                _w.Line($"_act{_exec.StorageOf(v).Name} = new {FB}(_activationData, offset, capacity * {Size(v)}); offset += capacity * {Size(v)};");
            foreach (var l in Nodes.Where(l => l.Op is DropoutOp))
                _w.Line($"_mask{l.Key} = new {FB}(_activationData, offset, capacity * {SizeOf(l)}); offset += capacity * {SizeOf(l)};");
            if (indexTerms.Count > 0)
            {
                _w.Line("_indexData = new int[ArenaLength(capacity, IndicesPerSample)];");
                _w.Line("offset = 0;");
                foreach (var l in maxPools)
                    _w.Line($"_indices{l.Key} = new {IB}(_indexData, offset, capacity * {SizeOf(l)}); offset += capacity * {SizeOf(l)};");
            }
            _w.Line("_capacity = capacity;");
            _w.Line("_gradientsReady = false;");
            _w.Line("AllocateShared(TransientFloatsPerSample);");
            _w.Close();
            _w.Line();

            _w.Summary("Grows the shared arena to hold the gradients too (the first ForwardBackward at this capacity).");
            _w.Open("private void AllocateGradients()");
            _w.Line("AllocateShared(GradientFloatsPerSample);");
            _w.Line("_gradientsReady = true;");
            _w.Close();
            _w.Line();

            _w.Summary("The shared arena: the forward's transient activations and the backward's gradients both start at its beginning.");
            _w.Open("private void AllocateShared(long perSample)");
            _w.Line("_sharedData = global::System.GC.AllocateUninitializedArray<float>(ArenaLength(_capacity, perSample), pinned: true);");
            bool activationSlots = _exec.ActivationSlotSizes.Count > 0;
            if (activationSlots) _w.Line("int offset = 0;");
            for (int k = 0; k < _exec.ActivationSlotSizes.Count; k++)
                _w.Line($"_actSlot{k} = new {FB}(_sharedData, offset, _capacity * {N(_exec.ActivationSlotSizes[k])}); offset += _capacity * {N(_exec.ActivationSlotSizes[k])};");
            if (gradientFloats > 0)
            {
                _w.Line("if (perSample < GradientFloatsPerSample) return;");
                // The gradients start at the arena's beginning again: the transient activations are dead by then.
                _w.Line(activationSlots ? "offset = 0;" : "int offset = 0;");
                for (int k = 0; k < _exec.GradientSlotSizes.Count; k++)
                    _w.Line($"_gradSlot{k} = new {FB}(_sharedData, offset, _capacity * {N(_exec.GradientSlotSizes[k])}); offset += _capacity * {N(_exec.GradientSlotSizes[k])};");
                if (_exec.ScratchSize > 0)
                    _w.Line($"_gradScratch = new {FB}(_sharedData, offset, _capacity * {N(_exec.ScratchSize)});");
            }
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
            string input = _plan.Input.Text;

            _w.Open("private void CheckInput(string method, int inputLength, int batch)");
            _w.Line($"if (batch < 1) throw new global::System.ArgumentOutOfRangeException(nameof(batch), batch, $\"{_spec.ClassName}.{{method}}: batch must be at least 1.\");");
            _w.Line("if (inputLength != (long)batch * Shapes.InputSize)");
            _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.{{method}}: input holds {{inputLength}} floats, but {{batch}} samples of {input} need {{(long)batch * Shapes.InputSize}}.\", \"input\");");
            _w.Close();
            _w.Line();

            EmitPredict();

            var loss = _spec.Loss;
            if (loss.Kind == LossKind.CrossEntropy)
            {
                EmitTrainingEntry("int", "labels", () =>
                {
                    _w.Line("if (labels.Length != batch)");
                    _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: {{labels.Length}} labels for a batch of {{batch}}.\", nameof(labels));");
                }, () =>
                {
                    _w.Open("for (int row = 0; row < batch; row++)");
                    _w.Line("if ((uint)labels[row] >= (uint)Shapes.OutputSize)");
                    _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: label {{labels[row]}} of sample {{row}} is outside the {{Shapes.OutputSize}} classes [0, {{Shapes.OutputSize}}).\", nameof(labels));");
                    _w.Close();
                }, grad =>
                {
                    if (loss.LabelSmoothing == 0 && loss.ClassWeights.Count == 0)
                    {
                        _w.Comment("Softmax + cross-entropy in one pass: the mean loss, and dLoss/dLogits into the output's gradient.");
                        _w.Line($"float loss = {Cpu}SoftmaxCrossEntropyKernel.ForwardBackward(output, labels, {grad}, batch, Shapes.OutputSize);");
                    }
                    else
                    {
                        _w.Comment($"[CrossEntropyLoss] with label smoothing {F(loss.LabelSmoothing)}{(loss.ClassWeights.Count > 0 ? " and class weights" : "")}: the mean loss and dLoss/dLogits, as torch.nn.CrossEntropyLoss.");
                        string weights = loss.ClassWeights.Count > 0 ? ", classWeights: s_classWeights" : "";
                        _w.Line($"float loss = {Cpu}CrossEntropyLossKernel.ForwardBackward(output, labels, {grad}, batch, Shapes.OutputSize, labelSmoothing: {F(loss.LabelSmoothing)}{weights});");
                    }
                });
                if (loss.ClassWeights.Count > 0)
                    _w.Line($"private static readonly float[] s_classWeights = {{ {string.Join(", ", loss.ClassWeights.Select(F))} }};");
            }
            else
            {
                string kernel = loss.Kind == LossKind.MSE ? "MSELossKernel" : "BCEWithLogitsLossKernel";
                string attribute = loss.Kind == LossKind.MSE ? "MSELoss" : "BCEWithLogitsLoss";
                // The class-label entry points exist on every network (INetwork); this one trains on float targets.
                foreach (string signature in new[] { "global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels, int batch", "global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels, int batch, global::System.Span<float> logits" })
                {
                    _w.Line("/// <inheritdoc/>");
                    _w.Line($"public float ForwardBackward({signature})");
                    _w.Line($"    => throw new global::System.InvalidOperationException(\"{_spec.ClassName} trains with [{attribute}], which needs float targets: call ForwardBackward(input, targets, batch) with Shapes.OutputSize = {N(_plan.Output.Size)} targets per sample.\");");
                    _w.Line();
                }
                EmitTrainingEntry("float", "targets", () =>
                {
                    _w.Line("if (targets.Length != (long)batch * Shapes.OutputSize)");
                    _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: targets holds {{targets.Length}} floats, but {{batch}} samples need {{(long)batch * Shapes.OutputSize}}.\", nameof(targets));");
                }, () =>
                {
                    _w.Open("for (int i = 0; i < targets.Length; i++)");
                    _w.Line("if (!float.IsFinite(targets[i]))");
                    _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: target {{i % Shapes.OutputSize}} of sample {{i / Shapes.OutputSize}} is {{targets[i]}}, not a finite number.\", nameof(targets));");
                    _w.Close();
                }, grad =>
                {
                    _w.Comment($"[{attribute}]: the mean loss over every element, and dLoss/dOutput into the output's gradient, as torch.nn.{attribute}.");
                    _w.Line($"float loss = {Cpu}{kernel}.ForwardBackward(output, targets, {grad}, batch, Shapes.OutputSize);");
                });
            }
        }

        /// <summary>
        /// A training entry point: checks everything before the forward pass (which moves BatchNorm's running statistics,
        /// so a refused call changes nothing), runs forward, the loss and backward.
        /// </summary>
        private void EmitTrainingEntry(string targetType, string targets, System.Action checkLength, System.Action checkValues, System.Action<string> emitLoss)
        {
            string parameters = $"global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<{targetType}> {targets}, int batch";
            var output = _plan.OutputValue!;
            string outField = "_act" + _exec.StorageOf(output).Name;
            _w.Line("/// <inheritdoc/>");
            _w.Line($"public float ForwardBackward({parameters})");
            _w.Line($"    => ForwardBackward(input, {targets}, batch, default);");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Open($"public float ForwardBackward({parameters}, global::System.Span<float> logits)");
            _w.Line("CheckInput(nameof(ForwardBackward), input.Length, batch);");
            checkLength();
            _w.Line("if (!logits.IsEmpty && logits.Length != (long)batch * Shapes.OutputSize)");
            _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: logits holds {{logits.Length}} floats, but {{batch}} samples need {{(long)batch * Shapes.OutputSize}}.\", nameof(logits));");
            checkValues();
            // BatchNorm over one value per channel per sample (BatchNorm1d, or a 1×1 map) cannot estimate a variance from one sample.
            var firstBatchNorm1d = BatchNorms.FirstOrDefault(l => !l.Input.IsSpatial || l.Input.Height * l.Input.Width == 1);
            if (firstBatchNorm1d != null)
            {
                _w.Line("if (_training && batch < 2)");
                _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.ForwardBackward: {firstBatchNorm1d.Spec!.AttributeName} [{firstBatchNorm1d.Path}] needs more than one value per channel in training mode, but the batch has {{batch}} sample: use a batch of 2 or more, or call Eval() first.\", nameof(batch));");
            }
            _w.Line("if (batch > _capacity) AllocateActivations(global::System.Math.Max(batch, _maxBatch));");
            _w.Line("if (!_gradientsReady) AllocateGradients();");
            _w.Line("input.CopyTo(_input.Span);");
            _w.Line("bool training = _training;");
            if (HasDropout) _w.Line("if (training) _dropoutStep++;");
            _w.Line("Forward(batch, training);");
            _w.Line($"var output = {outField}.Slice(0, batch * Shapes.OutputSize);");
            _w.Line("if (!logits.IsEmpty) output.Span.CopyTo(logits);");
            emitLoss($"_gradSlot{_exec.GradientSlot(output)}.Slice(0, batch * Shapes.OutputSize)");
            _w.Line("Backward(batch, training);");
            _w.Comment("Every parameter's gradient is written now: the optimizers step only parameters that have one.");
            _w.Line("foreach (var p in _parameters) p.MarkGradientWritten();");
            _w.Line("return loss;");
            _w.Close();
            _w.Line();
        }

        /// <summary>Declares the views (the first n samples) of the buffers a pass uses.</summary>
        private void EmitViews(bool backward)
        {
            _w.Line("var x = _input.Slice(0, n * Shapes.InputSize);");
            foreach (var v in _exec.OwnedValues)
            {
                string name = _exec.StorageOf(v).Name;
                if (_exec.IsPinned(v))
                    _w.Line($"var a{name} = _act{name}.Slice(0, n * {Size(v)});");
                else if (!backward)
                    _w.Line($"var a{name} = _actSlot{_exec.ActivationSlot(v)}.Slice(0, n * {Size(v)}); // shares activation slot {_exec.ActivationSlot(v)}: backward does not read it");
                if (backward && _exec.NeedsGradient(v))
                    _w.Line($"var g{name} = _gradSlot{_exec.GradientSlot(v)}.Slice(0, n * {Size(v)}); // shares slot {_exec.GradientSlot(v)}");
            }
            foreach (var l in Nodes)
            {
                if (l.Op is DropoutOp) _w.Line($"var m{l.Key} = _mask{l.Key}.Slice(0, n * {SizeOf(l)});");
                if (l.Op is Pool2dOp { Max: true }) _w.Line($"var idx{l.Key} = _indices{l.Key}.Slice(0, n * {SizeOf(l)});");
            }
        }

        private string Epilogue(Node node) => _exec.FusedRelu.Contains(node) ? Cpu + "Epilogue.ReLU" : Cpu + "Epilogue.None";

        /// <summary>", with [4] ReLU fused into its epilogue" for a node that carries a ReLU.</summary>
        private string FusedText(Node node)
        {
            var relu = _exec.FusedInto.FirstOrDefault(kv => kv.Value == node).Key;
            return relu is null ? "" : $", with [{relu.Path}] ReLU fused into its epilogue";
        }

        private void EmitForward()
        {
            _w.Summary("Training forward pass over the first <paramref name=\"n\"/> samples of the input buffer, keeping what the backward pass\n"
                + "reads (in eval mode when <paramref name=\"training\"/> is false: ForwardBackward after Eval()). Predict runs ForwardInference.");
            _w.Open("private void Forward(int n, bool training)");
            EmitViews(backward: false);
            foreach (var l in _exec.Forward)
            {
                _w.Line();
                if (_exec.FusedInto.TryGetValue(l, out var host))
                {
                    _w.Comment($"[{l.Path}] ReLU: runs in the epilogue of [{host.Path}]");
                    continue;
                }
                string x = Act(l.Inputs[0]);
                string y = Act(l.Output);
                if (l.Kind == LayerKind.Flatten)
                {
                    _w.Comment($"{l.Comment}: a view of {x}, no copy");
                    continue;
                }
                _w.Comment(l.Comment + FusedText(l));
                EmitForwardCall(l, Act, Epilogue(l), inference: false);
            }
            _w.Close();
            _w.Line();
        }

        /// <summary>
        /// The kernel call of one node in a forward pass. The training forward (<paramref name="inference"/> false) keeps
        /// what backward reads and branches on its runtime mode; the inference forward knows it is in eval mode and runs
        /// a Conv2d or Linear with its BatchNorm folded in (weights from <c>_folded*</c>).
        /// </summary>
        private void EmitForwardCall(Node l, System.Func<Value, string> view, string epilogue, bool inference)
        {
            string x = view(l.Inputs[0]);
            string y = view(l.Output);
            bool folded = inference && _inf.FoldedBatchNorm(l) is not null;
            string weight = folded ? "_foldedWeight" + l.Key : Field("weight", l.Key);
            string bias = folded ? "_foldedBias" + l.Key : l.Parameters.Any(p => p.Role == "bias") ? Field("bias", l.Key) : FB + ".Empty";
            switch (l.Op)
            {
                case Conv2dOp:
                    _w.Line($"{Cpu}Conv2dKernel.Forward({x}, {weight}, {bias}, {y}, n, in Conv{l.Key}, {epilogue});");
                    break;
                case LinearOp:
                    _w.Line($"{Cpu}LinearKernel.Forward({x}, {weight}, {bias}, {y}, n, inFeatures: {N(l.Input.Size)}, outFeatures: {N(l.Output.Shape.Size)}, {epilogue});");
                    break;
                case Pool2dOp { Max: true }:
                    if (inference) _w.Line($"{Cpu}MaxPool2dKernel.ForwardInference({x}, {y}, n, in Pool{l.Key});");
                    else _w.Line($"{Cpu}MaxPool2dKernel.Forward({x}, {y}, idx{l.Key}, n, in Pool{l.Key});");
                    break;
                case Pool2dOp:
                    _w.Line($"{Cpu}AvgPool2dKernel.Forward({x}, {y}, n, in Pool{l.Key});");
                    break;
                case AdaptiveAvgPool2dOp:
                    _w.Line($"{Cpu}AdaptiveAvgPool2dKernel.Forward({x}, {y}, n, {AdaptiveGeometry(l)});");
                    break;
                case BatchNormOp bn:
                {
                    string stats = BatchNormGeometry(l);
                    string eval = $"{Cpu}BatchNormKernel.ForwardInference({x}, {Field("weight", l.Key)}, {Field("bias", l.Key)}, {y}, {Field("running_mean", l.Key)}, {Field("running_var", l.Key)}, n, {stats}, eps: {F(bn.Eps)});";
                    if (inference)
                    {
                        _w.Line(eval);
                        break;
                    }
                    // A batch of 1 over one value per channel is refused by ForwardBackward before any pass runs.
                    _w.Open("if (training)");
                    _w.Line($"{Cpu}BatchNormKernel.ForwardTraining({x}, {Field("weight", l.Key)}, {Field("bias", l.Key)}, {y}, {Field("running_mean", l.Key)}, {Field("running_var", l.Key)}, _saveMean{l.Key}, _saveInvStd{l.Key}, n, {stats}, eps: {F(bn.Eps)}, momentum: {F(bn.Momentum)});");
                    _w.Line($"{Field("num_batches_tracked", l.Key)}.Span[0] += 1;");
                    _w.Close();
                    _w.Open("else");
                    _w.Line(eval);
                    _w.Close();
                    break;
                }
                case ActivationOp { Kind: LayerKind.LeakyReLU } leaky:
                    _w.Line($"{Cpu}ActivationKernel.Forward({Cpu}ActivationKind.LeakyReLU, {x}, {y}, n * {SizeOf(l)}, negativeSlope: {F(leaky.NegativeSlope)});");
                    break;
                case ActivationOp act:
                    _w.Line($"{Cpu}ActivationKernel.Forward({Cpu}ActivationKind.{act.Kind}, {x}, {y}, n * {SizeOf(l)});");
                    break;
                case DropoutOp dropout:
                    _w.Line($"if (training) {Cpu}DropoutKernel.Forward({x}, {y}, m{l.Key}, n * {SizeOf(l)}, p: {F(dropout.P)}, seed: _dropoutSeed + _dropoutStep * 1000003UL + {N(l.Id)}UL);");
                    _w.Line($"else {x}.Span.CopyTo({y}.Span);");
                    break;
                case AddOp:
                    _w.Line($"{Cpu}AddKernel.Forward({view(l.Inputs[0])}, {view(l.Inputs[1])}, {y}, n * {SizeOf(l)}, {epilogue});");
                    break;
                case ConcatJoinOp:
                {
                    long offset = 0;
                    foreach (var branch in l.Inputs)
                    {
                        _w.Line($"{Cpu}ConcatKernel.Forward({view(branch)}, {y}, n, sliceSize: {N(branch.Shape.Size)}, offset: {N(offset)}, outSize: {SizeOf(l)});");
                        offset += branch.Shape.Size;
                    }
                    break;
                }
                default:
                    throw new UnsupportedOpException(l);
            }
        }

        private static string AdaptiveGeometry(Node l)
            => $"channels: {N(l.Input.Channels)}, height: {N(l.Input.Height)}, width: {N(l.Input.Width)}, outHeight: {N(l.Output.Shape.Height)}, outWidth: {N(l.Output.Shape.Width)}";

        private static string BatchNormGeometry(Node l)
            => $"channels: {N(l.Input.Channels)}, spatial: {N(l.Input.IsSpatial ? l.Input.Height * l.Input.Width : 1)}";

        private void EmitBackward()
        {
            _w.Summary("Backward pass: from dLoss/dLogits (already in the output's gradient) to every parameter's Grad.\n"
                + "Parameter gradients are overwritten. A value read by several nodes gets its gradient from each: the first\n"
                + "writer overwrites, the later ones add. Nodes with no parameter upstream run no backward.");
            _w.Open("private void Backward(int n, bool training)");
            EmitViews(backward: true);
            foreach (var step in _exec.Backward)
            {
                var l = step.Node;
                _w.Line();
                if (ExecutionPlan.IsJoin(l))
                {
                    EmitJoinEdge(step);
                    continue;
                }
                string x = Act(l.Inputs[0]);
                string y = Act(l.Output);
                string dy = Grad(l.Output);
                bool scratch = step.InputNeedsGradient && step.Write == GradWrite.Accumulate;
                string dx = !step.InputNeedsGradient ? FB + ".Empty" : scratch ? $"_gradScratch.Slice(0, n * {Size(l.Inputs[0])})" : Grad(l.Inputs[0]);
                string note = !step.InputNeedsGradient ? " (no parameter before it: no dX)"
                    : scratch ? $" (dX adds to {Grad(l.Inputs[0])}, already written by another reader)" : "";
                _w.Comment(l.Comment + FusedText(l) + note);
                string epilogue = Epilogue(l);
                string biasGrad = l.Parameters.Any(p => p.Role == "bias") ? Field("bias", l.Key) + "Grad" : FB + ".Empty";
                switch (l.Op)
                {
                    case Conv2dOp:
                        _w.Line($"{Cpu}Conv2dKernel.Backward({x}, {Field("weight", l.Key)}, {y}, {dy}, {dx}, {Field("weight", l.Key)}Grad, {biasGrad}, n, in Conv{l.Key}, {epilogue});");
                        break;
                    case LinearOp:
                        _w.Line($"{Cpu}LinearKernel.Backward({x}, {Field("weight", l.Key)}, {y}, {dy}, {dx}, {Field("weight", l.Key)}Grad, {biasGrad}, n, inFeatures: {N(l.Input.Size)}, outFeatures: {N(l.Output.Shape.Size)}, {epilogue});");
                        break;
                    case Pool2dOp { Max: true }:
                        _w.Line($"{Cpu}MaxPool2dKernel.Backward({dy}, idx{l.Key}, {dx}, n, in Pool{l.Key});");
                        break;
                    case Pool2dOp:
                        _w.Line($"{Cpu}AvgPool2dKernel.Backward({dy}, {dx}, n, in Pool{l.Key});");
                        break;
                    case AdaptiveAvgPool2dOp:
                        _w.Line($"{Cpu}AdaptiveAvgPool2dKernel.Backward({dy}, {dx}, n, {AdaptiveGeometry(l)});");
                        break;
                    case BatchNormOp bn:
                    {
                        string stats = BatchNormGeometry(l);
                        _w.Line("if (training)");
                        _w.Line($"    {Cpu}BatchNormKernel.Backward({x}, {Field("weight", l.Key)}, {dy}, _saveMean{l.Key}, _saveInvStd{l.Key}, {dx}, {Field("weight", l.Key)}Grad, {Field("bias", l.Key)}Grad, n, {stats});");
                        _w.Line("else");
                        _w.Line($"    {Cpu}BatchNormKernel.BackwardInference({x}, {Field("weight", l.Key)}, {dy}, {Field("running_mean", l.Key)}, {Field("running_var", l.Key)}, {dx}, {Field("weight", l.Key)}Grad, {Field("bias", l.Key)}Grad, n, {stats}, eps: {F(bn.Eps)});");
                        break;
                    }
                    case ActivationOp { Kind: LayerKind.LeakyReLU } leaky:
                        _w.Line($"{Cpu}ActivationKernel.Backward({Cpu}ActivationKind.LeakyReLU, {y}, {dy}, {dx}, n * {SizeOf(l)}, negativeSlope: {F(leaky.NegativeSlope)});");
                        break;
                    case ActivationOp act:
                        _w.Line($"{Cpu}ActivationKernel.Backward({Cpu}ActivationKind.{act.Kind}, {y}, {dy}, {dx}, n * {SizeOf(l)});");
                        break;
                    case DropoutOp:
                        _w.Line($"if (training) {Cpu}DropoutKernel.Backward({dy}, m{l.Key}, {dx}, n * {SizeOf(l)});");
                        _w.Line($"else {dy}.Span.CopyTo({dx}.Span);");
                        break;
                    default:
                        throw new UnsupportedOpException(l);
                }
                if (scratch)
                    _w.Line($"{Cpu}AddKernel.Accumulate(_gradScratch.Slice(0, n * {Size(l.Inputs[0])}), {Grad(l.Inputs[0])}, n * {Size(l.Inputs[0])});");
            }
            _w.Close();
        }

        /// <summary>One input edge of a join: the residual Add passes dY on (masked by its ReLU), the Concat its slice.</summary>
        private void EmitJoinEdge(BackwardStep step)
        {
            var l = step.Node;
            var input = l.Inputs[step.Edge];
            string write = step.Write == GradWrite.Overwrite ? "Overwrite" : "Accumulate";
            string verb = step.Write == GradWrite.Overwrite ? "into" : "added to";
            if (l.Op is AddOp)
            {
                string which = step.Edge == 0 ? "body" : "shortcut";
                _w.Comment($"[{l.Path}] Add, backward to its {which}: dY{(_exec.FusedRelu.Contains(l) ? " masked by the fused ReLU" : "")}, {verb} {Grad(input)}");
                // Only the ReLU's mask reads the add's output; without one it is not kept for backward.
                string y = _exec.FusedRelu.Contains(l) ? Act(l.Output) : FB + ".Empty";
                _w.Line($"{Cpu}AddKernel.Backward({y}, {Grad(l.Output)}, {Grad(input)}, n * {SizeOf(l)}, {Epilogue(l)}, {Cpu}GradWrite.{write});");
            }
            else if (l.Op is ConcatJoinOp)
            {
                long offset = 0;
                for (int e = 0; e < step.Edge; e++) offset += l.Inputs[e].Shape.Size;
                _w.Comment($"[{l.Path}] Concat, backward to branch {N(step.Edge)}: its slice of dY, {verb} {Grad(input)}");
                _w.Line($"{Cpu}ConcatKernel.Backward({Grad(l.Output)}, {Grad(input)}, n, sliceSize: {N(input.Shape.Size)}, offset: {N(offset)}, outSize: {SizeOf(l)}, {Cpu}GradWrite.{write});");
            }
            else
            {
                throw new UnsupportedOpException(l);
            }
        }
    }

    /// <summary>A backend met an op it has no code for: reported as CNN0099 naming the node, never emitted as nothing.</summary>
    internal sealed class UnsupportedOpException : System.Exception
    {
        public UnsupportedOpException(Node node)
            : base($"the CPU backend has no code for [{node.Path}] {node.Title} ({node.Op.GetType().Name})")
        {
        }
    }
}
