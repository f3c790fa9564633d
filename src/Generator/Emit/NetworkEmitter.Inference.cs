using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Lowering;
using CnnGen.Generator.Model;
using CnnGen.Generator.Shapes;

namespace CnnGen.Generator.Emit
{
    /// <summary>
    /// The CPU inference path (Predict), rendered from the <see cref="InferencePlan"/>: an arena of its own where every
    /// activation is transient (slots by forward liveness), BatchNorm folded into the Conv2d or Linear before it (the
    /// folded weights recomputed per call), ReLUs in epilogues, residual adds in place.
    /// </summary>
    internal sealed partial class NetworkEmitter
    {
        /// <summary>Local view name of a value's activations in the inference forward: "x" or "a3_body_0".</summary>
        private string InferenceAct(Value v)
        {
            var s = _inf.StorageOf(v);
            return s.IsInput ? "x" : "a" + s.Name;
        }

        /// <summary>The arena field that holds a value at inference: the input, or its slot.</summary>
        private string InferenceField(Value v)
            => _inf.StorageOf(v).IsInput ? "_inferenceInput" : "_inferenceSlot" + _inf.Slot(v);

        private IEnumerable<KeyValuePair<Node, Node>> Folds => _inf.FoldedInto.OrderBy(kv => kv.Key.Id);

        private void EmitPredict()
        {
            var output = _plan.OutputValue!;
            _w.Line("/// <inheritdoc/>");
            _w.Open("public void Predict(global::System.ReadOnlySpan<float> input, int batch, global::System.Span<float> logits)");
            _w.Line("CheckInput(nameof(Predict), input.Length, batch);");
            _w.Line("if (logits.Length != (long)batch * Shapes.OutputSize)");
            _w.Line($"    throw new global::System.ArgumentException($\"{_spec.ClassName}.Predict: logits holds {{logits.Length}} floats, but {{batch}} samples need {{(long)batch * Shapes.OutputSize}}.\", nameof(logits));");
            _w.Comment("Evaluation semantics whatever the mode, in the inference arena, InferenceChunk samples at a time (fewer if they");
            _w.Comment("would need more than InferenceArenaFloats): a chunk's activations stay in cache from one layer to the next,");
            _w.Comment("where a whole batch of 1000 would go through main memory at every layer.");
            _w.Line("int capacity = (int)global::System.Math.Min(batch, global::System.Math.Max(1L, global::System.Math.Min(InferenceChunk, InferenceArenaFloats / InferenceFloatsPerSample)));");
            _w.Line("if (capacity > _inferenceCapacity) AllocateInference(capacity);");
            if (_inf.FoldedInto.Count > 0) _w.Line("FoldBatchNorms();");
            _w.Open("for (int start = 0; start < batch; start += _inferenceCapacity)");
            _w.Line("int n = global::System.Math.Min(_inferenceCapacity, batch - start);");
            _w.Line("input.Slice(start * Shapes.InputSize, n * Shapes.InputSize).CopyTo(_inferenceInput.Span);");
            _w.Line("ForwardInference(n);");
            _w.Line($"{InferenceField(output)}.Span.Slice(0, n * Shapes.OutputSize).CopyTo(logits.Slice(start * Shapes.OutputSize));");
            _w.Close();
            _w.Close();
            _w.Line();
        }

        private void EmitInference()
        {
            _w.Line();
            _w.Comment("---- Inference (Predict) ----");
            _w.Comment("No backward pass follows, so nothing is kept: every activation lives from its producer to its last reader, in slots");
            _w.Comment("of an arena of its own, made on the first Predict and grown to the batch. The training arena is not touched.");
            var slots = _inf.SlotSizes;
            string slotText = slots.Count == 0 ? "no slots: the output is a view of the input" : $"slots of {string.Join(" + ", slots.Select(N))} floats";
            _w.Line($"private const long InferenceFloatsPerSample = Shapes.InputSize + {N(slots.Sum())}; // the input, and {slotText}");
            _w.Line("private const long InferenceArenaFloats = 128L << 20; // 512 MiB: the most one chunk may take, for very large samples");
            _w.Line("private const long InferenceChunk = 64; // samples a pass: SimpleCnn at batch 1000 ran 18% faster in chunks of 64 than in one pass");
            _w.Line("private int _inferenceCapacity;");
            _w.Line("private float[] _inferenceData = null!;");
            _w.Line($"private {FB} _inferenceInput;");
            for (int k = 0; k < slots.Count; k++) _w.Line($"private {FB} _inferenceSlot{k};");
            var folds = Folds.ToList();
            if (folds.Count > 0)
            {
                _w.Comment("Weights and biases of the layers that absorb an eval-mode BatchNorm, recomputed by every Predict.");
                _w.Line($"private readonly float[] _foldedData = new float[{N(folds.Sum(kv => kv.Value.Parameters.First(p => p.Role == "weight").Length + kv.Value.Output.Shape.Channels))}];");
                long offset = 0;
                foreach (var (bn, host) in folds.Select(kv => (kv.Key, kv.Value)))
                {
                    var plan = host.Parameters.First(p => p.Role == "weight");
                    long weight = plan.Length;
                    long channels = bn.Input.Channels;
                    _w.Line($"private {FB} _foldedWeight{host.Key} => new {FB}(_foldedData, {N(offset)}, {N(weight)}); // [{host.Path}] {host.Title}: ({string.Join("×", plan.Shape.Select(N))}) scaled by [{bn.Path}] {bn.Title}");
                    _w.Line($"private {FB} _foldedBias{host.Key} => new {FB}(_foldedData, {N(offset + weight)}, {N(channels)}); // ({N(channels)})");
                    offset += weight + channels;
                }
            }
            _w.Line();

            _w.Summary("Makes the inference arena for <paramref name=\"capacity\"/> samples: the input and the shared slots.");
            _w.Open("private void AllocateInference(int capacity)");
            _w.Line("_inferenceData = global::System.GC.AllocateUninitializedArray<float>(ArenaLength(capacity, InferenceFloatsPerSample), pinned: true);");
            _w.Line("int offset = 0;");
            _w.Line($"_inferenceInput = new {FB}(_inferenceData, offset, capacity * Shapes.InputSize); offset += capacity * Shapes.InputSize;");
            for (int k = 0; k < slots.Count; k++)
                _w.Line($"_inferenceSlot{k} = new {FB}(_inferenceData, offset, capacity * {N(slots[k])}); offset += capacity * {N(slots[k])};");
            _w.Line("_inferenceCapacity = capacity;");
            _w.Close();
            _w.Line();

            if (folds.Count > 0) EmitFoldBatchNorms(folds);
            EmitForwardInference();
        }

        private void EmitFoldBatchNorms(List<KeyValuePair<Node, Node>> folds)
        {
            _w.Summary("Folds each eval-mode BatchNorm into the layer before it: W' = W·γ/√(running_var + eps) per output channel,\n"
                + "b' = (b − running_mean)·γ/√(running_var + eps) + β. From the current parameters and statistics on every call\n"
                + "(weight-sized work), so optimizer steps, Load and writes to Buffers are always seen.");
            _w.Open("private void FoldBatchNorms()");
            foreach (var (bn, host) in folds.Select(kv => (kv.Key, kv.Value)))
            {
                string bias = host.Parameters.Any(p => p.Role == "bias") ? Field("bias", host.Key) : FB + ".Empty";
                _w.Comment($"[{bn.Path}] {bn.Title} into [{host.Path}] {host.Title}");
                _w.Line($"{Cpu}BatchNormFolding.Fold({Field("weight", host.Key)}, {bias}, {Field("weight", bn.Key)}, {Field("bias", bn.Key)}, {Field("running_mean", bn.Key)}, {Field("running_var", bn.Key)}, eps: {F(((BatchNormOp)bn.Op).Eps)}, _foldedWeight{host.Key}, _foldedBias{host.Key});");
            }
            _w.Close();
            _w.Line();
        }

        private void EmitForwardInference()
        {
            _w.Summary("Inference forward pass (eval mode) over the first <paramref name=\"n\"/> samples of the inference input.");
            _w.Open("private void ForwardInference(int n)");
            _w.Line("var x = _inferenceInput.Slice(0, n * Shapes.InputSize);");
            foreach (var v in _inf.OwnedValues)
                _w.Line($"var a{_inf.StorageOf(v).Name} = _inferenceSlot{_inf.Slot(v)}.Slice(0, n * {SizeOf(v.Producer!)});");
            foreach (var l in _plan.Nodes)
            {
                _w.Line();
                string x = InferenceAct(l.Inputs[0]);
                if (_inf.FoldedInto.TryGetValue(l, out var host))
                {
                    _w.Comment($"[{l.Path}] {l.Title}: folded into [{host.Path}]'s weights and bias");
                    continue;
                }
                if (_inf.ReluInto.TryGetValue(l, out host))
                {
                    _w.Comment($"[{l.Path}] ReLU: runs in the epilogue of [{host.Path}]");
                    continue;
                }
                if (l.Op is FlattenOp or DropoutOp)
                {
                    _w.Comment($"{l.Comment}: {(l.Op is DropoutOp ? "the identity in eval mode, " : "")}a view of {x}, no copy");
                    continue;
                }
                string notes = "";
                if (_inf.FoldedBatchNorm(l) is { } bn) notes += $", with [{bn.Path}] BatchNorm folded in";
                var relu = _inf.ReluInto.FirstOrDefault(kv => kv.Value == l).Key;
                if (relu is not null) notes += $", with [{relu.Path}] ReLU fused into its epilogue";
                if (_inf.InPlace.TryGetValue(l, out var operand)) notes += $", in place over {InferenceAct(operand)} (not read after)";
                _w.Comment(l.Comment + notes);
                EmitForwardCall(l, InferenceAct, _inf.FusedRelu.Contains(l) ? Cpu + "Epilogue.ReLU" : Cpu + "Epilogue.None", inference: true);
            }
            _w.Close();
        }
    }
}
