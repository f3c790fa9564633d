using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Shapes;

namespace CnnGen.Generator.Lowering
{
    /// <summary>How a backward step writes a gradient: the first writer of a value overwrites, later writers add.</summary>
    internal enum GradWrite
    {
        Overwrite,
        Accumulate,
    }

    /// <summary>Where a value lives: its own activation buffer, or a view of another value's (Flatten, a fused ReLU).</summary>
    internal sealed class Storage
    {
        public Storage(Value root, string name)
        {
            Root = root; Name = name;
        }

        /// <summary>The value that owns the memory.</summary>
        public Value Root { get; }

        /// <summary>The identifier fragment of its buffers: "3" gives activations a3 and gradients g3; "x" is the input.</summary>
        public string Name { get; }

        public bool IsInput => Name == "x";
    }

    /// <summary>
    /// One backward step. A layer's step computes its parameter gradients and, when its input needs one, dX with
    /// <see cref="Write"/>; a join's contribution to one of its inputs is its own step (<see cref="Edge"/>), scheduled
    /// just before the producer of that input reads its gradient, so that joins (which can add in place) are the
    /// later writers and the layers (which overwrite) come first.
    /// </summary>
    internal sealed record BackwardStep(Node Node, int Edge, GradWrite Write, bool InputNeedsGradient);

    /// <summary>
    /// The lowering of a shaped graph, decided once for every backend: topological order (the graph's node order),
    /// fusion (a ReLU into the Conv2d, Linear or residual Add before it when nothing else reads that output; Flatten as
    /// a view), which values need a gradient (as PyTorch's requires_grad: downstream of a parameter), the backward
    /// order with a write mode per gradient edge (so no zero_grad is needed and residual backward accumulates), and
    /// gradient buffers shared between values whose lifetimes in the backward pass do not overlap.
    /// </summary>
    internal sealed class ExecutionPlan
    {
        private readonly Dictionary<Value, Storage> _storage = new Dictionary<Value, Storage>();
        private readonly HashSet<Value> _needsGradient = new HashSet<Value>();
        private readonly Dictionary<Value, int> _gradientSlot = new Dictionary<Value, int>();

        private ExecutionPlan(NetworkPlan graph)
        {
            Graph = graph;
        }

        public NetworkPlan Graph { get; }
        /// <summary>The forward order: every node, topologically (folded nodes and views included, so comments can say so).</summary>
        public List<Node> Forward => Graph.Nodes;
        public List<BackwardStep> Backward { get; } = new List<BackwardStep>();

        /// <summary>Nodes that run inside another (a ReLU in its producer's epilogue) or not at all (Flatten).</summary>
        public Dictionary<Node, Node> FusedInto { get; } = new Dictionary<Node, Node>();

        /// <summary>Nodes that apply a ReLU in their epilogue.</summary>
        public HashSet<Node> FusedRelu { get; } = new HashSet<Node>();

        /// <summary>Floats per sample of each shared gradient slot, by slot number.</summary>
        public List<long> GradientSlotSizes { get; } = new List<long>();

        /// <summary>Floats per sample of the scratch a non-accumulating kernel writes into before its result is added (0: none needed).</summary>
        public long ScratchSize { get; private set; }

        public Storage StorageOf(Value v) => _storage[v];

        /// <summary>Every value that owns activation memory, in topological order (the input first).</summary>
        public IEnumerable<Value> OwnedValues => _storage.Where(kv => kv.Key == kv.Value.Root && !kv.Value.IsInput).Select(kv => kv.Key).OrderBy(v => v.Id);

        public bool NeedsGradient(Value v) => _needsGradient.Contains(v);

        /// <summary>The gradient slot of a value's storage.</summary>
        public int GradientSlot(Value v) => _gradientSlot[_storage[v].Root];

        public static ExecutionPlan Lower(NetworkPlan graph)
        {
            var plan = new ExecutionPlan(graph);
            plan.Fuse();
            plan.MarkGradients();
            plan.ScheduleBackward();
            plan.AssignGradientSlots();
            plan.AssignActivationSlots();
            return plan;
        }

        private readonly HashSet<Value> _pinned = new HashSet<Value>();
        private readonly Dictionary<Value, int> _activationSlot = new Dictionary<Value, int>();

        /// <summary>Floats per sample of each shared activation slot, by slot number.</summary>
        public List<long> ActivationSlotSizes { get; } = new List<long>();

        /// <summary>
        /// Whether a value's activations live in a buffer of their own for the whole step: the backward pass (or the
        /// loss) reads them. Other values share slots by their lifetime in the forward pass.
        /// </summary>
        public bool IsPinned(Value v) => _pinned.Contains(_storage[v].Root);

        /// <summary>The shared activation slot of a value that is not pinned.</summary>
        public int ActivationSlot(Value v) => _activationSlot[_storage[v].Root];

        /// <summary>
        /// Activation memory by liveness. A value the backward pass reads (a Conv2d's or Linear's input and output, a
        /// BatchNorm's input, an activation's output, a residual add's output when it carries a ReLU) and the logits keep
        /// their own buffer; every other value (a BatchNorm output read only by the ReLU after it, a pool's input, a
        /// concat's branches) lives from its producer to its last reader in the forward pass, and its slot is reused.
        /// </summary>
        private void AssignActivationSlots()
        {
            foreach (var node in Graph.Nodes)
            {
                if (FusedInto.ContainsKey(node) || node.Kind == LayerKind.Flatten) continue;
                switch (node.Op)
                {
                    case Conv2dOp:
                    case LinearOp:
                        _pinned.Add(_storage[node.Inputs[0]].Root);
                        _pinned.Add(_storage[node.Output].Root);
                        break;
                    case BatchNormOp:
                        _pinned.Add(_storage[node.Inputs[0]].Root);
                        break;
                    case ActivationOp:
                        _pinned.Add(_storage[node.Output].Root);
                        break;
                    case AddOp when FusedRelu.Contains(node):
                        _pinned.Add(_storage[node.Output].Root);
                        break;
                }
            }
            if (Graph.OutputValue is not null) _pinned.Add(_storage[Graph.OutputValue].Root);

            // Forward lifetimes of the other owned values: from the producer's step to the last step that reads them.
            var lastRead = new Dictionary<Value, int>();
            for (int t = 0; t < Graph.Nodes.Count; t++)
                foreach (var input in Graph.Nodes[t].Inputs)
                    lastRead[_storage[input].Root] = t;
            var lifetimes = OwnedValues.Where(r => !_pinned.Contains(r))
                .Select(r => (r, r.Producer!.Id, lastRead.TryGetValue(r, out int last) ? last : r.Producer!.Id));
            foreach (var kv in AssignSlots(lifetimes, ActivationSlotSizes)) _activationSlot[kv.Key] = kv.Value;
        }

        private void Fuse()
        {
            _storage[Graph.InputValue] = new Storage(Graph.InputValue, "x");
            foreach (var node in Graph.Nodes)
            {
                var input = node.Inputs[0];
                bool soleReader = input.Consumers.Count == 1;
                bool foldRelu = node.Kind == LayerKind.ReLU && soleReader && input.Producer is { } producer
                    && (producer.Kind is LayerKind.Conv2d or LayerKind.Linear || producer.Op is AddOp)
                    && !FusedRelu.Contains(producer) && _storage[input].Root == input;
                if (foldRelu)
                {
                    FusedRelu.Add(input.Producer!);
                    FusedInto[node] = input.Producer!;
                    _storage[node.Output] = _storage[input];
                }
                else if (node.Kind == LayerKind.Flatten)
                {
                    _storage[node.Output] = _storage[input];
                }
                else
                {
                    _storage[node.Output] = new Storage(node.Output, node.Key);
                }
            }
        }

        /// <summary>A value needs a gradient when a parameter lies upstream of it; the logits always do (the loss writes it).</summary>
        private void MarkGradients()
        {
            foreach (var node in Graph.Nodes)
            {
                if (node.Parameters.Count > 0 || node.Inputs.Any(_needsGradient.Contains))
                    _needsGradient.Add(node.Output);
            }
            if (Graph.OutputValue is not null) _needsGradient.Add(Graph.OutputValue);
        }

        /// <summary>Whether a node is a join, whose edges are scheduled one by one.</summary>
        public static bool IsJoin(Node node) => node.Op is AddOp or ConcatJoinOp;

        /// <summary>Whether a node runs a backward of its own (not folded into a neighbour, not a view).</summary>
        public bool RunsBackward(Node node)
            => !FusedInto.ContainsKey(node) && node.Kind != LayerKind.Flatten
               && (node.Parameters.Count > 0 || node.Inputs.Any(NeedsGradient));

        private void ScheduleBackward()
        {
            // Writers per gradient storage so far, to choose overwrite or accumulate; join edges waiting to be written.
            var written = new HashSet<Value>();
            var pending = new Dictionary<Value, List<(Node Join, int Edge)>>();

            GradWrite WriteOf(Value input)
            {
                var root = _storage[input].Root;
                return written.Add(root) ? GradWrite.Overwrite : GradWrite.Accumulate;
            }

            void Flush(Value value)
            {
                var root = _storage[value].Root;
                if (!pending.TryGetValue(root, out var edges)) return;
                pending.Remove(root);
                foreach (var (join, edge) in edges)
                    Backward.Add(new BackwardStep(join, edge, WriteOf(join.Inputs[edge]), true));
            }

            for (int i = Graph.Nodes.Count - 1; i >= 0; i--)
            {
                var node = Graph.Nodes[i];
                if (!RunsBackward(node)) continue;
                // This node reads its output's gradient: every join edge that adds to it must have run.
                Flush(node.Output);
                if (IsJoin(node))
                {
                    for (int e = 0; e < node.Inputs.Count; e++)
                    {
                        if (!NeedsGradient(node.Inputs[e])) continue;
                        var root = _storage[node.Inputs[e]].Root;
                        if (!pending.TryGetValue(root, out var list)) pending[root] = list = new List<(Node, int)>();
                        list.Add((node, e));
                    }
                    continue;
                }
                bool needs = NeedsGradient(node.Inputs[0]);
                Backward.Add(new BackwardStep(node, 0, needs ? WriteOf(node.Inputs[0]) : GradWrite.Overwrite, needs));
            }
            // Joins fed directly by values whose producers run no backward of their own (views) still owe their writes.
            foreach (var root in pending.Keys.ToList()) Flush(root);

            foreach (var step in Backward)
                if (step.InputNeedsGradient && step.Write == GradWrite.Accumulate && !IsJoin(step.Node))
                    ScratchSize = System.Math.Max(ScratchSize, step.Node.Inputs[step.Edge].Shape.Size);
        }

        /// <summary>
        /// Gradient buffers by liveness in the backward pass: a value's gradient is born at its first writer (the loss,
        /// for the logits) and dies after its last reader; slots free again are reused, best fit first.
        /// </summary>
        private void AssignGradientSlots()
        {
            var roots = _needsGradient.Select(v => _storage[v].Root).Where(r => !_storage[r].IsInput).Distinct().ToList();
            var first = new Dictionary<Value, int>();
            var last = new Dictionary<Value, int>();
            void Touch(Value v, int t)
            {
                var root = _storage[v].Root;
                if (!roots.Contains(root)) return;
                if (!first.ContainsKey(root)) first[root] = t;
                last[root] = t;
            }
            // Time 0: the loss writes the logits' gradient.
            if (Graph.OutputValue is not null) Touch(Graph.OutputValue, 0);
            for (int t = 0; t < Backward.Count; t++)
            {
                var step = Backward[t];
                Touch(step.Node.Output, t + 1);
                if (step.InputNeedsGradient) Touch(step.Node.Inputs[step.Edge], t + 1);
            }
            var lifetimes = roots.Where(first.ContainsKey).OrderBy(r => first[r]).ThenBy(r => r.Id).Select(r => (r, first[r], last[r]));
            foreach (var kv in AssignSlots(lifetimes, GradientSlotSizes)) _gradientSlot[kv.Key] = kv.Value;
        }

        /// <summary>
        /// Shares buffers between values whose lifetimes do not overlap. Values come in order of birth; each takes a slot
        /// whose value died before it was born (the smallest that fits, else the largest, grown), or a new one.
        /// <paramref name="sizes"/> receives each slot's floats per sample.
        /// </summary>
        internal static Dictionary<Value, int> AssignSlots(IEnumerable<(Value Value, int Birth, int Death)> lifetimes, List<long> sizes)
        {
            var slots = new Dictionary<Value, int>();
            var free = new List<int>();
            var active = new List<(int Slot, int Death)>();
            foreach (var (value, birth, death) in lifetimes)
            {
                foreach (var dead in active.Where(a => a.Death < birth).ToList())
                {
                    active.Remove(dead);
                    free.Add(dead.Slot);
                }
                long size = value.Shape.Size;
                int slot = free.Where(f => sizes[f] >= size).OrderBy(f => sizes[f]).DefaultIfEmpty(-1).First();
                if (slot < 0 && free.Count > 0)
                {
                    slot = free.OrderByDescending(f => sizes[f]).First();
                    sizes[slot] = size;
                }
                if (slot < 0)
                {
                    slot = sizes.Count;
                    sizes.Add(size);
                }
                free.Remove(slot);
                slots[value] = slot;
                active.Add((slot, death));
            }
            return slots;
        }
    }
}
