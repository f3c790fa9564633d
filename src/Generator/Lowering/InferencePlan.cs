using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Shapes;

namespace CnnGen.Generator.Lowering
{
    /// <summary>
    /// The lowering of a shaped graph for inference (Predict): no backward pass follows, so nothing has to be kept.
    /// <list type="bullet">
    /// <item>An eval-mode BatchNorm that is the only reader of a Conv2d's or Linear's output is folded into that layer's
    /// weights and bias (computed per Predict call from the current parameters and running statistics), and the BatchNorm
    /// runs as nothing.</item>
    /// <item>A ReLU fuses into the epilogue of the Conv2d, Linear or residual Add before it (through a folded BatchNorm),
    /// when nothing else reads the value before the ReLU.</item>
    /// <item>Flatten and Dropout (identity in eval mode) are views.</item>
    /// <item>A residual Add, and an activation that runs as its own pass, write into an operand that nothing reads after
    /// them (the kernels allow y to be an input).</item>
    /// <item>Every value is transient: buffers are shared by forward liveness alone (the logits live to the end).</item>
    /// </list>
    /// </summary>
    internal sealed class InferencePlan
    {
        private readonly Dictionary<Value, Storage> _storage = new Dictionary<Value, Storage>();
        private readonly Dictionary<Value, int> _slot = new Dictionary<Value, int>();

        private InferencePlan(NetworkPlan graph)
        {
            Graph = graph;
        }

        public NetworkPlan Graph { get; }

        /// <summary>BatchNorm nodes folded into the Conv2d or Linear before them (the value: that layer).</summary>
        public Dictionary<Node, Node> FoldedInto { get; } = new Dictionary<Node, Node>();

        /// <summary>ReLU nodes run in the epilogue of another node (the value: that node).</summary>
        public Dictionary<Node, Node> ReluInto { get; } = new Dictionary<Node, Node>();

        /// <summary>Nodes that apply a ReLU in their epilogue.</summary>
        public HashSet<Node> FusedRelu { get; } = new HashSet<Node>();

        /// <summary>Residual adds and activations that write their result over an operand (the value: that operand).</summary>
        public Dictionary<Node, Value> InPlace { get; } = new Dictionary<Node, Value>();

        /// <summary>Floats per sample of each shared slot, by slot number.</summary>
        public List<long> SlotSizes { get; } = new List<long>();

        public Storage StorageOf(Value v) => _storage[v];

        /// <summary>Every value that owns memory, in topological order (the input excluded).</summary>
        public IEnumerable<Value> OwnedValues => _storage.Where(kv => kv.Key == kv.Value.Root && !kv.Value.IsInput).Select(kv => kv.Key).OrderBy(v => v.Id);

        /// <summary>The slot of a value's storage (not for the input).</summary>
        public int Slot(Value v) => _slot[_storage[v].Root];

        /// <summary>The BatchNorm folded into a Conv2d or Linear, if any.</summary>
        public Node? FoldedBatchNorm(Node host) => FoldedInto.FirstOrDefault(kv => kv.Value == host).Key;

        /// <summary>Whether a node runs no code of its own at inference (folded, fused, or a view).</summary>
        public bool IsView(Node node)
            => FoldedInto.ContainsKey(node) || ReluInto.ContainsKey(node) || node.Op is FlattenOp or DropoutOp;

        public static InferencePlan Lower(NetworkPlan graph)
        {
            var plan = new InferencePlan(graph);
            plan.Fuse();
            plan.AssignSlots();
            return plan;
        }

        private void Fuse()
        {
            _storage[Graph.InputValue] = new Storage(Graph.InputValue, "x");
            foreach (var node in Graph.Nodes)
            {
                var input = node.Inputs[0];
                bool soleReader = input.Consumers.Count == 1;
                var producer = input.Producer;
                if (node.Op is BatchNormOp && soleReader && producer is { Op: Conv2dOp or LinearOp } && _storage[input].Root == input)
                {
                    FoldedInto[node] = producer;
                    _storage[node.Output] = _storage[input];
                }
                else if (node.Kind == LayerKind.ReLU && soleReader && producer is not null && ReluHost(producer) is { } host && !FusedRelu.Contains(host))
                {
                    FusedRelu.Add(host);
                    ReluInto[node] = host;
                    _storage[node.Output] = _storage[input];
                }
                else if (node.Op is FlattenOp or DropoutOp)
                {
                    _storage[node.Output] = _storage[input];
                }
                else if (node.Op is (AddOp or ActivationOp) && node.Inputs.FirstOrDefault(operand => DeadAfter(operand, node)) is { } dead)
                {
                    InPlace[node] = dead;
                    _storage[node.Output] = _storage[dead];
                }
                else
                {
                    _storage[node.Output] = new Storage(node.Output, node.Key);
                }
            }
        }

        /// <summary>The node whose epilogue can apply a ReLU to what <paramref name="producer"/> outputs: itself, or the layer its BatchNorm folds into.</summary>
        private Node? ReluHost(Node producer)
        {
            if (FoldedInto.TryGetValue(producer, out var folded)) return folded;
            return producer.Op is Conv2dOp or LinearOp or AddOp ? producer : null;
        }

        /// <summary>Whether nothing reads an operand's storage after <paramref name="add"/> (so the add may overwrite it); never the input.</summary>
        private bool DeadAfter(Value operand, Node add)
        {
            var root = _storage[operand].Root;
            if (_storage[root].IsInput) return false;
            return _storage.Where(kv => kv.Value.Root == root).All(kv => kv.Key.Consumers.All(c => c.Id <= add.Id));
        }

        /// <summary>Buffers by forward liveness: from the producer's step to the last step that reads the value (the logits: the end).</summary>
        private void AssignSlots()
        {
            var lastRead = new Dictionary<Value, int>();
            for (int t = 0; t < Graph.Nodes.Count; t++)
                foreach (var input in Graph.Nodes[t].Inputs)
                    lastRead[_storage[input].Root] = t;
            if (Graph.OutputValue is not null) lastRead[_storage[Graph.OutputValue].Root] = Graph.Nodes.Count;
            var lifetimes = OwnedValues.Select(r => (r, r.Producer!.Id, lastRead.TryGetValue(r, out int last) ? last : r.Producer!.Id));
            foreach (var kv in ExecutionPlan.AssignSlots(lifetimes, SlotSizes)) _slot[kv.Key] = kv.Value;
        }
    }
}
