using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Model;
using CnnGen.Shapes;

namespace CnnGen.Generator.Shapes
{
    /// <summary>
    /// Shape inference: one pure function from a <see cref="NetworkSpec"/> to a <see cref="NetworkPlan"/>, the graph
    /// with every shape. It walks the layers in order (blocks recursively: a Residual's body and shortcut, a Concat's
    /// branches, a Sequential's layers, each from the block's input), checks each layer against the shape that
    /// arrives, and explains any mismatch in the terms a user needs: the layer, where it sits in blocks, what
    /// arrived, from where, and the value that fits. It never throws: a layer it cannot size stops the walk with a
    /// diagnostic.
    /// </summary>
    internal static class ShapeInference
    {
        /// <summary>Tensors larger than this cannot live in one .NET array.</summary>
        private const long MaxElements = int.MaxValue;

        /// <summary>How many larger paddings the CNN0008 hint tries before giving up on suggesting one.</summary>
        private const long MaxPaddingTries = 64;

        public static NetworkPlan Infer(NetworkSpec spec)
        {
            var diagnostics = new List<DiagnosticInfo>(spec.ParseDiagnostics);
            var walker = new Walker(spec, diagnostics);
            var input = walker.NewValue(TensorShape.Spatial(spec.InputChannels, spec.InputHeight, spec.InputWidth), null);
            if (spec.InputChannels <= 0 || spec.InputHeight <= 0 || spec.InputWidth <= 0 || spec.Layers.Count == 0
                || input.Shape.Size > MaxElements)
                return walker.Plan(input, null, hasErrors: true);

            var chain = new Chain("", "", "the [Network] input", 0);
            var output = walker.Sequence(spec.Layers, input, chain);
            if (output is null) return walker.Plan(input, null, hasErrors: true);

            // Flatten is a view: a network of nothing else would hand back its input as logits, and there would be no
            // buffer for the loss gradient to go to. Say so rather than emit code that cannot compile.
            if (output.Producer is null || walker.Nodes.TrueForAll(n => n.Kind == LayerKind.Flatten))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadInput, spec.NetworkAttributeLocation,
                    $"Network '{spec.ClassName}' has only [Flatten], which computes nothing: add the layers that produce the logits after it, e.g. [Linear({Num(output.Shape.Size)}, 10)]"));
                return walker.Plan(input, null, hasErrors: true);
            }

            if (output.Shape.IsSpatial)
            {
                var last = chain.Done[chain.Done.Count - 1];
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.CannotPlace, last.Location ?? spec.NetworkAttributeLocation,
                    $"Network '{spec.ClassName}' ends in a spatial tensor {output.Shape.Text} from {last.Name}, but a classifier must end in a vector of logits: add [Flatten] and [Linear({output.Shape.Size}, classes)] after it"));
            }
            walker.CheckTotals(output);
            walker.CheckBudgets();
            walker.CheckLoss(output);
            return walker.Plan(input, output, HasError(diagnostics));
        }

        private static bool HasError(List<DiagnosticInfo> diagnostics)
        {
            foreach (var d in diagnostics)
                if (Descriptors.ById(d.Id)?.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) return true;
            return false;
        }

        private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

        private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        private static string Plural(long n, string one, string many) => n == 1 ? $"1 {one}" : $"{Num(n)} {many}";

        /// <summary>A number a user can write as an int argument, or a plain statement that none fits.</summary>
        private static bool Writable(long v) => v >= 1 && v <= int.MaxValue;

        /// <summary>A layer already walked in the current list: its name as messages say it, its kind and shapes.</summary>
        private sealed record Step(string Name, LayerKind Kind, TensorShape Input, TensorShape Output, LocationInfo? Location);

        /// <summary>
        /// One list of layers being walked: the network's, or a block's at one place of use. <see cref="Prefix"/> starts
        /// the state_dict names of its layers ("3.body."); <see cref="Context"/> follows each layer's name in messages
        /// (" in Basic64 in Residual [3]"); <see cref="Source"/> names what feeds its first layer.
        /// </summary>
        private sealed class Chain
        {
            public Chain(string prefix, string context, string source, int depth)
            {
                Prefix = prefix; Context = context; Source = source; Depth = depth;
            }

            public string Prefix { get; }
            public string Context { get; }
            public string Source { get; }
            public int Depth { get; }
            public List<Step> Done { get; } = new List<Step>();
        }

        private sealed class Walker
        {
            private readonly NetworkSpec _spec;
            private readonly List<DiagnosticInfo> _diagnostics;
            private readonly List<SummaryRow> _rows = new List<SummaryRow>();
            private int _values;

            public Walker(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
            {
                _spec = spec;
                _diagnostics = diagnostics;
            }

            public List<Node> Nodes { get; } = new List<Node>();

            public NetworkPlan Plan(Value input, Value? output, bool hasErrors)
                => new NetworkPlan(_spec, input, Nodes, _rows, output, _diagnostics, hasErrors);

            public Value NewValue(TensorShape shape, Node? producer) => new Value(_values++, shape, producer);

            private DiagnosticInfo Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, string message)
            {
                var d = DiagnosticInfo.Create(descriptor, location ?? _spec.NetworkAttributeLocation, message);
                _diagnostics.Add(d);
                return d;
            }

            /// <summary>Replaces the last diagnostic with one that carries a property for code fixes.</summary>
            private void Property(string key, string value)
                => _diagnostics[_diagnostics.Count - 1] = _diagnostics[_diagnostics.Count - 1].With(key, value);

            private static string Name(LayerSpec layer, Chain chain) => $"{layer.AttributeName} [{layer.Index}]{chain.Context}";

            /// <summary>"ReLU [1] produces 32×28×28", or "the [Network] input produces 1×28×28" for the first layer.</summary>
            private static string Producer(Chain chain, TensorShape shape)
                => chain.Done.Count == 0 ? $"{chain.Source} produces {shape.Text}" : $"{chain.Done[chain.Done.Count - 1].Name} produces {shape.Text}";

            // ---- the graph ----

            /// <summary>Walks a list of layers from <paramref name="value"/>; returns its output, or null when a layer could not be sized.</summary>
            public Value? Sequence(EquatableArray<LayerSpec> layers, Value value, Chain chain)
            {
                foreach (var layer in layers)
                {
                    var next = layer.Op switch
                    {
                        ResidualOp r => Residual(layer, r, value, chain),
                        ConcatOp c => Concat(layer, c, value, chain),
                        SequentialOp q => Sequential(layer, q, value, chain),
                        _ => Leaf(layer, value, chain),
                    };
                    if (next is null) return null;
                    chain.Done.Add(new Step(Name(layer, chain), layer.Kind, value.Shape, next.Shape, layer.Location));
                    value = next;
                }
                return value;
            }

            private Node AddNode(LayerKind kind, Op op, LayerSpec? spec, string path, string title, List<Value> inputs, TensorShape output)
            {
                var node = new Node(Nodes.Count, kind, op, spec, path, title, inputs);
                node.Output = NewValue(output, node);
                foreach (var v in inputs) v.Consumers.Add(node);
                Nodes.Add(node);
                return node;
            }

            private Value? Leaf(LayerSpec layer, Value value, Chain chain)
            {
                var draft = Size(layer, value.Shape, chain);
                if (draft is null) return null;
                string path = chain.Prefix + Num(layer.Index);
                var node = AddNode(layer.Kind, draft.Op ?? layer.Op!, layer, path, draft.Title(layer.AttributeName), new List<Value> { value }, draft.Output);
                node.Kernel = draft.Kernel; node.Stride = draft.Stride; node.Padding = draft.Padding; node.Dilation = draft.Dilation; node.Groups = draft.Groups;
                node.Flops = draft.Flops;
                foreach (var p in draft.Parameters) node.Parameters.Add(p with { Name = path + "." + p.Role });
                foreach (var b in draft.Buffers) node.Buffers.Add(b with { Name = path + "." + b.Role });
                _rows.Add(new SummaryRow(path, chain.Depth, layer.AttributeName, draft.Arguments)
                {
                    Output = draft.Output, Parameters = node.ParameterCount, Flops = node.Flops,
                });
                return node.Output;
            }

            /// <summary>A block's row, added before its layers' rows; its totals are filled in when they are known.</summary>
            private SummaryRow BlockRow(LayerSpec layer, Chain chain, string title)
            {
                var row = new SummaryRow(chain.Prefix + Num(layer.Index), chain.Depth, title, "");
                _rows.Add(row);
                return row;
            }

            private void CloseRow(SummaryRow row, int firstNode, TensorShape output)
            {
                row.Output = output;
                for (int i = firstNode; i < Nodes.Count; i++)
                {
                    row.Parameters += Nodes[i].ParameterCount;
                    row.Flops += Nodes[i].Flops;
                }
            }

            private Chain Inner(LayerSpec layer, Chain outer, BlockUse block, string role, string prefix)
                => new Chain(outer.Prefix + Num(layer.Index) + "." + prefix,
                    $" in {block.Name}{role} in {layer.AttributeName} [{layer.Index}]{outer.Context}",
                    $"the input of {block.Name} (from {(outer.Done.Count == 0 ? outer.Source : outer.Done[outer.Done.Count - 1].Name)})", outer.Depth + 1);

            private Value? Residual(LayerSpec layer, ResidualOp op, Value value, Chain chain)
            {
                string title = op.Shortcut is null ? $"Residual<{op.Body.Name}>" : $"Residual<{op.Body.Name}, {op.Shortcut.Name}>";
                int first = Nodes.Count;
                var row = BlockRow(layer, chain, title);
                var body = Sequence(op.Body.Layers, value, Inner(layer, chain, op.Body, " (body)", "body."));
                if (body is null) return null;
                var shortcut = op.Shortcut is null ? value : Sequence(op.Shortcut.Layers, value, Inner(layer, chain, op.Shortcut, " (shortcut)", "shortcut."));
                if (shortcut is null) return null;
                if (!body.Shape.SameAs(shortcut.Shape))
                {
                    string name = $"Residual [{layer.Index}]{chain.Context}";
                    if (op.Shortcut is null)
                    {
                        Report(Descriptors.ResidualMismatch, layer.Location,
                            $"{name}: its body {op.Body.Name} turns {value.Shape.Text} into {body.Shape.Text}, but the identity shortcut keeps {value.Shape.Text}, so the two cannot be added: {ShortcutHint(value.Shape, body.Shape, op.Body.Name)}");
                    }
                    else
                    {
                        Report(Descriptors.ResidualMismatch, op.Shortcut.Location ?? layer.Location,
                            $"{name}: its body {op.Body.Name} produces {body.Shape.Text} but its shortcut {op.Shortcut.Name} produces {shortcut.Shape.Text}; they must match to be added{ProjectionHint(value.Shape, body.Shape)}");
                    }
                    return null;
                }
                var add = AddNode(LayerKind.Residual, new AddOp(), null, chain.Prefix + Num(layer.Index), "Add", new List<Value> { body, shortcut }, body.Shape);
                add.Flops = body.Shape.Size;
                CloseRow(row, first, body.Shape);
                return add.Output;
            }

            /// <summary>The shortcut that would make a residual fit: a 1×1 convolution with the stride that matches, and a BatchNorm2d.</summary>
            private static string ShortcutHint(TensorShape input, TensorShape output, string body)
            {
                if (input.IsSpatial && output.IsSpatial && output.Height > 0 && output.Width > 0
                    && input.Height % output.Height == 0 && input.Width % output.Width == 0 && input.Height / output.Height == input.Width / output.Width)
                {
                    long stride = input.Height / output.Height;
                    string s = stride == 1 ? "" : $", stride: {Num(stride)}";
                    return $"add a projection shortcut block, [Block] [Conv2d({Num(input.Channels)}, {Num(output.Channels)}, 1{s}, bias: false)] [BatchNorm2d({Num(output.Channels)})], and write Residual<{body}, ThatBlock>";
                }
                return $"add a shortcut block that turns {input.Text} into {output.Text} and write Residual<{body}, ThatBlock>";
            }

            private static string ProjectionHint(TensorShape input, TensorShape output)
            {
                if (!input.IsSpatial || !output.IsSpatial || output.Height <= 0 || input.Height % output.Height != 0
                    || input.Width % output.Width != 0 || input.Height / output.Height != input.Width / output.Width) return "";
                long stride = input.Height / output.Height;
                string s = stride == 1 ? "" : $", stride: {Num(stride)}";
                return $" (from {input.Text}, a shortcut of Conv2d({Num(input.Channels)}, {Num(output.Channels)}, 1{s}, bias: false) and BatchNorm2d({Num(output.Channels)}) gives {output.Text})";
            }

            private Value? Concat(LayerSpec layer, ConcatOp op, Value value, Chain chain)
            {
                int first = Nodes.Count;
                var row = BlockRow(layer, chain, $"Concat<{string.Join(", ", op.Branches.Select(b => b.Name))}>");
                var outputs = new List<Value>();
                for (int b = 0; b < op.Branches.Count; b++)
                {
                    var branch = op.Branches[b];
                    var output = Sequence(branch.Layers, value, Inner(layer, chain, branch, $" (branch {Num(b)})", $"branches.{Num(b)}."));
                    if (output is null) return null;
                    outputs.Add(output);
                }
                var shapes = outputs.Select(o => o.Shape).ToList();
                string name = $"Concat [{layer.Index}]{chain.Context}";
                string list = string.Join(", ", op.Branches.Select((b, i) => $"{b.Name} {shapes[i].Text}"));
                TensorShape joined;
                if (shapes.TrueForAll(s => s.IsSpatial))
                {
                    if (shapes.Any(s => s.Height != shapes[0].Height || s.Width != shapes[0].Width))
                    {
                        Report(Descriptors.ConcatMismatch, layer.Location,
                            $"{name} joins channels, so its branches must agree on height and width, but they produce {list}: give every branch the same strides and paddings");
                        return null;
                    }
                    joined = TensorShape.Spatial(shapes.Sum(s => s.Channels), shapes[0].Height, shapes[0].Width);
                }
                else if (shapes.TrueForAll(s => !s.IsSpatial))
                {
                    joined = TensorShape.Vector(shapes.Sum(s => s.Channels));
                }
                else
                {
                    Report(Descriptors.ConcatMismatch, layer.Location,
                        $"{name}: some branches produce spatial tensors and some vectors ({list}): flatten all of them or none");
                    return null;
                }
                if (joined.Size > MaxElements)
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.Location, $"{name}: its output would have {Num(joined.Size)} elements per sample, more than a .NET array holds ({Num(MaxElements)})");
                    return null;
                }
                var cat = AddNode(LayerKind.Concat, new ConcatJoinOp(), null, chain.Prefix + Num(layer.Index), "Concat", outputs, joined);
                CloseRow(row, first, joined);
                return cat.Output;
            }

            private Value? Sequential(LayerSpec layer, SequentialOp op, Value value, Chain chain)
            {
                int first = Nodes.Count;
                var row = BlockRow(layer, chain, $"Sequential<{op.Block.Name}>");
                var output = Sequence(op.Block.Layers, value, Inner(layer, chain, op.Block, "", ""));
                if (output is null) return null;
                CloseRow(row, first, output.Shape);
                return output;
            }

            /// <summary>Whole-network limits: every parameter lives in one array.</summary>
            public void CheckTotals(Value output)
            {
                long parameters = 0, buffers = 0;
                foreach (var n in Nodes)
                {
                    parameters += n.ParameterCount;
                    foreach (var b in n.Buffers) buffers += b.Length;
                }
                if (parameters > MaxElements || buffers > MaxElements)
                {
                    Report(Descriptors.ArgumentOutOfRange, _spec.NetworkAttributeLocation,
                        $"Network '{_spec.ClassName}' has {Num(parameters)} parameters, more than one .NET array holds ({Num(MaxElements)}): make its layers smaller");
                }
            }

            /// <summary>CNN0016: the network's own budgets, [Network(…, MaxParameters = …, MaxFlops = …)], with the actual figures.</summary>
            public void CheckBudgets()
            {
                long parameters = 0, flops = 0;
                foreach (var n in Nodes)
                {
                    parameters += n.ParameterCount;
                    flops += n.Flops;
                }
                Check(_spec.MaxParameters, parameters, "trainable parameters");
                Check(_spec.MaxFlops, flops, "FLOPs per sample in its forward pass");

                void Check(Budget? budget, long actual, string what)
                {
                    if (budget is null || actual <= budget.Limit) return;
                    Report(Descriptors.OverBudget, budget.Location,
                        $"Network '{_spec.ClassName}' has {Thousands(actual)} {what}, over its budget {budget.Name} = {Thousands(budget.Limit)} (by {Thousands(actual - budget.Limit)}); the summary shows which layers hold them");
                    Property("Actual", Num(actual));
                }
            }

            private static string Thousands(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

            /// <summary>CNN0014: the declared loss must fit the output (class weights one per class, smoothing in [0, 1]).</summary>
            public void CheckLoss(Value output)
            {
                var loss = _spec.Loss;
                if (loss.Kind != LossKind.CrossEntropy) return;
                long classes = output.Shape.Size;
                if (!(loss.LabelSmoothing >= 0 && loss.LabelSmoothing <= 1))
                    Report(Descriptors.LossMismatch, loss.Location, $"CrossEntropyLoss: labelSmoothing must be in [0, 1], but is {Num(loss.LabelSmoothing)}");
                if (loss.ClassWeights.Count > 0 && loss.ClassWeights.Count != classes)
                    Report(Descriptors.LossMismatch, loss.Location,
                        $"CrossEntropyLoss has {Num(loss.ClassWeights.Count)} class weights, but the network produces {Num(classes)} logits: give one weight per class");
                if (loss.ClassWeights.Any(w => !(w >= 0) || double.IsInfinity(w)))
                    Report(Descriptors.LossMismatch, loss.Location, "CrossEntropyLoss: every class weight must be a finite number ≥ 0");
            }

            // ---- one layer ----

            /// <summary>What sizing one layer gives: its output, arguments text, parameters and geometry.</summary>
            private sealed class Draft
            {
                public Draft(TensorShape output, string arguments)
                {
                    Output = output; Arguments = arguments;
                }

                public TensorShape Output { get; }
                public string Arguments { get; }
                public List<ParameterPlan> Parameters { get; } = new List<ParameterPlan>();
                public List<BufferPlan> Buffers { get; } = new List<BufferPlan>();
                public long Flops { get; set; }
                public long Kernel { get; set; }
                public long Stride { get; set; }
                public long Padding { get; set; }
                public long Dilation { get; set; } = 1;
                public long Groups { get; set; } = 1;
                /// <summary>The op with its inferred sizes filled in, when it had any left out; else the layer's own.</summary>
                public Op? Op { get; set; }

                public string Title(string kind) => Arguments.Length == 0 ? kind : $"{kind}({Arguments})";
            }

            /// <summary>Sizes one layer, or returns null after reporting why it cannot be sized.</summary>
            private Draft? Size(LayerSpec layer, TensorShape shape, Chain chain)
            {
                switch (layer.Op)
                {
                    case Conv2dOp conv: return Conv2d(layer, conv, shape, chain);
                    case Pool2dOp pool: return Pool(layer, pool, shape, chain);
                    case AdaptiveAvgPool2dOp adaptive: return Adaptive(layer, adaptive, shape, chain);
                    case BatchNormOp bn: return BatchNorm(layer, bn, shape, chain);
                    case LinearOp linear: return Linear(layer, linear, shape, chain);
                    case FlattenOp:
                        return new Draft(TensorShape.Vector(shape.Size), "");
                    case DropoutOp dropout:
                    {
                        double p = dropout.P;
                        if (!(p >= 0 && p < 1))
                        {
                            Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("p"),
                                $"{Name(layer, chain)}: p must be in [0, 1), but is {Num(p)}");
                            return null;
                        }
                        return new Draft(shape, "p=" + Num(p)) { Flops = shape.Size };
                    }
                    case ActivationOp { Kind: LayerKind.LeakyReLU } leaky:
                    {
                        double slope = leaky.NegativeSlope;
                        if (double.IsNaN(slope) || double.IsInfinity(slope) || Math.Abs(slope) > float.MaxValue)
                        {
                            Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("negativeSlope"),
                                $"LeakyReLU [{layer.Index}]{chain.Context}: negativeSlope must be a finite number, but is {Num(slope)}");
                            return null;
                        }
                        if (slope < 0)
                        {
                            // The backward reads the sign of the output, which only matches the input's for slope ≥ 0.
                            Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("negativeSlope"),
                                $"LeakyReLU [{layer.Index}]{chain.Context}: negativeSlope must not be negative in CnnGen, but is {Num(slope)}");
                            return null;
                        }
                        return new Draft(shape, "slope " + Num(slope)) { Flops = shape.Size };
                    }
                    case ActivationOp:
                        return new Draft(shape, "") { Flops = shape.Size };
                    default:
                        if (!layer.AlreadyReported)
                        {
                            Report(Descriptors.CannotPlace, layer.Location,
                                $"Layer [{layer.Index}]{chain.Context} '{layer.AttributeName}' cannot be placed: {WhyUnknown(layer)}; shapes after it are not checked");
                            string? suggestion = Suggestion(layer);
                            if (suggestion is not null) Property("Suggestion", suggestion);
                        }
                        return null;
                }
            }

            /// <summary>
            /// Why a layer has no kind: a CnnGen layer whose arguments the compiler could not bind (its name is one
            /// of ours), or an attribute that is not ours, perhaps a misspelling of one of ours.
            /// </summary>
            private static string WhyUnknown(LayerSpec layer)
            {
                string name = BareName(layer);
                if (Enum.TryParse(name, out LayerKind known) && known != LayerKind.Unknown && known.ToString() == name)
                    return "its arguments could not be read (see the compiler's error)";
                string? closest = Suggestion(layer);
                return closest is not null
                    ? $"it is not a CnnGen layer attribute (did you mean {closest}?)"
                    : "it is not a CnnGen layer attribute, so CnnGen cannot size or run it";
            }

            private static string BareName(LayerSpec layer)
            {
                string name = layer.AttributeName;
                return name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
            }

            /// <summary>The CnnGen layer a misspelled attribute most likely means: up to two edits, and fewer than half the name.</summary>
            private static string? Suggestion(LayerSpec layer)
            {
                string name = BareName(layer);
                string? closest = null;
                int best = int.MaxValue;
                foreach (LayerKind kind in Enum.GetValues(typeof(LayerKind)))
                {
                    if (kind == LayerKind.Unknown) continue;
                    string known = kind.ToString();
                    if (known == name) return null;
                    int distance = EditDistance(name.ToLowerInvariant(), known.ToLowerInvariant());
                    if (distance < best) { best = distance; closest = known; }
                }
                // "Swish" must not be taken for "Tanh".
                return closest is not null && best <= 2 && best * 2 < name.Length ? closest : null;
            }

            /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
            private static int EditDistance(string a, string b)
            {
                var row = new int[b.Length + 1];
                for (int j = 0; j <= b.Length; j++) row[j] = j;
                for (int i = 1; i <= a.Length; i++)
                {
                    int diagonal = row[0];
                    row[0] = i;
                    for (int j = 1; j <= b.Length; j++)
                    {
                        int above = row[j];
                        row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                        diagonal = above;
                    }
                }
                return row[b.Length];
            }

            private bool Positive(LayerSpec layer, Chain chain, string arg, long value)
            {
                if (value >= 1) return true;
                Report(Descriptors.ArgumentOutOfRange, layer.LocationOf(arg),
                    $"{Name(layer, chain)}: {arg} must be at least 1, but is {Num(value)}");
                return false;
            }

            private bool NotNegative(LayerSpec layer, Chain chain, string arg, long value)
            {
                if (value >= 0) return true;
                Report(Descriptors.ArgumentOutOfRange, layer.LocationOf(arg),
                    $"{Name(layer, chain)}: {arg} must not be negative, but is {Num(value)}");
                return false;
            }

            private bool NeedsSpatial(LayerSpec layer, TensorShape shape, Chain chain)
            {
                if (shape.IsSpatial) return true;
                Report(Descriptors.MissingFlatten, layer.Location,
                    $"{Name(layer, chain)} needs a (channels, height, width) input, but {Producer(chain, shape)} features (a vector): spatial layers must come before [Flatten]");
                return false;
            }

            private bool NeedsVector(LayerSpec layer, TensorShape shape, Chain chain)
            {
                if (!shape.IsSpatial) return true;
                Report(Descriptors.MissingFlatten, layer.Location,
                    $"{Name(layer, chain)} needs a vector of features, but {Producer(chain, shape)} (spatial): add [Flatten] before it (it would then receive {Num(shape.Size)} features)");
                Property("InsertBefore", "Flatten");
                return false;
            }

            private bool FitsInArray(LayerSpec layer, Chain chain, string what, long elements)
            {
                if (elements >= 0 && elements <= MaxElements) return true;
                Report(Descriptors.ArgumentOutOfRange, layer.Location,
                    $"{Name(layer, chain)}: its {what} would have {(elements < 0 ? "more than " + Num(long.MaxValue) : Num(elements))} elements per sample, more than a .NET array holds ({Num(MaxElements)})");
                return false;
            }

            /// <summary>a × b × …, or −1 when the product would overflow a long.</summary>
            private static long Product(params long[] factors)
            {
                long p = 1;
                foreach (long f in factors)
                {
                    if (f < 0) return -1;
                    if (f != 0 && p > long.MaxValue / f) return -1;
                    p *= f;
                }
                return p;
            }

            private Draft? Conv2d(LayerSpec layer, Conv2dOp op, TensorShape shape, Chain chain)
            {
                long cin = op.InChannels, cout = op.OutChannels, k = op.Kernel, s = op.Stride, p = op.Padding, d = op.Dilation, g = op.Groups;
                bool ok = Positive(layer, chain, "inChannels", cin) & Positive(layer, chain, "outChannels", cout) & Positive(layer, chain, "kernelSize", k)
                    & Positive(layer, chain, "stride", s) & NotNegative(layer, chain, "padding", p) & Positive(layer, chain, "dilation", d) & Positive(layer, chain, "groups", g);
                if (ok && cin % g != 0)
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("groups"),
                        $"{Name(layer, chain)}: inChannels {Num(cin)} is not divisible by groups {Num(g)}");
                    ok = false;
                }
                if (ok && cout % g != 0)
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("groups"),
                        $"{Name(layer, chain)}: outChannels {Num(cout)} is not divisible by groups {Num(g)}");
                    ok = false;
                }
                if (!ok || !NeedsSpatial(layer, shape, chain)) return null;

                if (cin != shape.Channels)
                {
                    Report(Descriptors.ChannelMismatch, layer.LocationOf("inChannels"),
                        $"{Name(layer, chain)} expects {Num(cin)} input channels, but {Producer(chain, shape)}: write Conv2d({Num(shape.Channels)}, {Num(cout)}, …)");
                    Property("Argument", "inChannels");
                    Property("Value", Num(shape.Channels));
                }

                long oh = ShapeMath.ConvOutput(shape.Height, k, s, p, d), ow = ShapeMath.ConvOutput(shape.Width, k, s, p, d);
                if (oh <= 0 || ow <= 0)
                {
                    long span = d * (k - 1) + 1;
                    Report(Descriptors.SpatialTooSmall, layer.LocationOf("kernelSize"),
                        $"{Name(layer, chain)}: its {Num(span)}×{Num(span)} window is larger than its padded input {Num(shape.Height + 2 * p)}×{Num(shape.Width + 2 * p)} ({Producer(chain, shape)}, padding {Num(p)}){FitHint(shape, k, s, p, d, pool: false)}");
                    return null;
                }
                if (!FitsInArray(layer, chain, "output", Product(cout, oh, ow)) || !FitsInArray(layer, chain, "weight", Product(cout, cin / g, k, k))) return null;

                var text = new List<string> { $"{Num(cin)}→{Num(cout)}", "k" + Num(k) };
                if (s != 1) text.Add("s" + Num(s));
                if (p != 0) text.Add("p" + Num(p));
                if (d != 1) text.Add("d" + Num(d));
                if (g != 1) text.Add("g" + Num(g));
                if (!op.Bias) text.Add("no bias");
                var draft = new Draft(TensorShape.Spatial(cout, oh, ow), string.Join(", ", text))
                {
                    Kernel = k, Stride = s, Padding = p, Dilation = d, Groups = g,
                };
                long fanIn = cin / g * k * k;
                draft.Parameters.Add(new ParameterPlan("", "weight", new[] { cout, cin / g, k, k }, fanIn, InitKind.UniformFanIn));
                if (op.Bias) draft.Parameters.Add(new ParameterPlan("", "bias", new[] { cout }, fanIn, InitKind.UniformFanIn));
                draft.Flops = 2 * cout * oh * ow * fanIn + (op.Bias ? cout * oh * ow : 0);
                // A strided 1×1 convolution (ResNet's projection shortcut) skips positions by design: no warning.
                if (k > 1) WarnUnread(layer, chain, shape, k, s, p, d, oh, ow, ceilMode: false);
                return draft;
            }

            /// <summary>CNN0006's hint: the largest kernel that fits, or the padding that makes this one fit; never a negative size.</summary>
            private static string FitHint(TensorShape shape, long k, long s, long p, long d, bool pool)
            {
                long smallest = Math.Min(shape.Height, shape.Width) + 2 * p;
                long largestKernel = d == 0 ? 0 : (smallest - 1) / d + 1;
                var options = new List<string>();
                if (largestKernel >= 1 && largestKernel < k) options.Add($"kernelSize ≤ {Num(largestKernel)}");
                long span = d * (k - 1) + 1;
                long needed = (span - Math.Min(shape.Height, shape.Width) + 1) / 2;
                if (!pool && needed > p && needed <= int.MaxValue) options.Add($"padding: {Num(needed)}");
                if (pool && needed > p && needed <= k / 2) options.Add($"padding: {Num(needed)}");
                _ = s;
                return options.Count == 0 ? ": the input is too small for this layer; remove a downsampling layer before it" : ": use " + string.Join(" or ", options);
            }

            private Draft? Pool(LayerSpec layer, Pool2dOp op, TensorShape shape, Chain chain)
            {
                bool max = op.Max;
                long k = op.Kernel, s = op.Stride, p = op.Padding, d = op.Dilation;
                bool ceil = op.CeilMode;
                bool ok = Positive(layer, chain, "kernelSize", k) & NotNegative(layer, chain, "stride", s) & NotNegative(layer, chain, "padding", p);
                if (max) ok &= Positive(layer, chain, "dilation", d);
                if (ok && p > k / 2)
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("padding"),
                        $"{Name(layer, chain)}: padding {Num(p)} must be at most half the kernel size ({Num(k)} / 2 = {Num(k / 2)})");
                    ok = false;
                }
                if (!ok || !NeedsSpatial(layer, shape, chain)) return null;
                if (s == 0) s = k;

                long oh = ShapeMath.PoolOutput(shape.Height, k, s, p, d, ceil), ow = ShapeMath.PoolOutput(shape.Width, k, s, p, d, ceil);
                if (oh <= 0 || ow <= 0)
                {
                    long span = d * (k - 1) + 1;
                    Report(Descriptors.SpatialTooSmall, layer.LocationOf("kernelSize"),
                        $"{Name(layer, chain)}: its {Num(span)}×{Num(span)} window is larger than its padded input {Num(shape.Height + 2 * p)}×{Num(shape.Width + 2 * p)} ({Producer(chain, shape)}, padding {Num(p)}){FitHint(shape, k, s, p, d, pool: true)}");
                    return null;
                }
                if (!FitsInArray(layer, chain, "output", Product(shape.Channels, oh, ow))) return null;

                var text = new List<string> { "k" + Num(k), "s" + Num(s) };
                if (p != 0) text.Add("p" + Num(p));
                if (d != 1) text.Add("d" + Num(d));
                if (ceil) text.Add("ceil");
                if (!max && !op.CountIncludePad) text.Add("exclude pad");
                var draft = new Draft(TensorShape.Spatial(shape.Channels, oh, ow), string.Join(", ", text))
                {
                    Kernel = k, Stride = s, Padding = p, Dilation = d,
                    Flops = shape.Channels * oh * ow * k * k,
                };
                WarnUnread(layer, chain, shape, k, s, p, d, oh, ow, ceil);
                return draft;
            }

            /// <summary>
            /// CNN0008: floor division can leave the last rows/columns out of every window, and a stride larger
            /// than the window skips rows between windows. Says how many and what would keep them.
            /// </summary>
            private void WarnUnread(LayerSpec layer, Chain chain, TensorShape shape, long k, long s, long p, long d, long oh, long ow, bool ceilMode)
            {
                long rows = ShapeMath.UnreadPositions(shape.Height, k, s, p, d, oh);
                long cols = ShapeMath.UnreadPositions(shape.Width, k, s, p, d, ow);
                if (rows <= 0 && cols <= 0) return;

                var parts = new List<string>();
                if (rows > 0) parts.Add(Plural(rows, "row", "rows"));
                if (cols > 0) parts.Add(Plural(cols, "column", "columns"));
                string lost = string.Join(" and ", parts);
                string fix;
                string? padding = null, ceil = null;
                if (s > d * (k - 1) + 1)
                {
                    fix = $"its stride {Num(s)} is larger than its {Num(d * (k - 1) + 1)}-wide window, so rows between windows are skipped: use stride ≤ {Num(d * (k - 1) + 1)}";
                }
                else
                {
                    var options = new List<string>();
                    bool pool = layer.Kind != LayerKind.Conv2d;
                    if (pool && !ceilMode
                        && ShapeMath.UnreadPositions(shape.Height, k, s, p, d, ShapeMath.PoolOutput(shape.Height, k, s, p, d, true)) == 0
                        && ShapeMath.UnreadPositions(shape.Width, k, s, p, d, ShapeMath.PoolOutput(shape.Width, k, s, p, d, true)) == 0)
                    {
                        options.Add("ceilMode: true");
                        ceil = "true";
                    }
                    // Try a few paddings only: with absurd arguments (dilation near int.MaxValue) the largest allowed
                    // padding is astronomically far, and a compiler must not spend minutes on a hint.
                    long maxPad = Math.Min(pool ? k / 2 : d * (k - 1), p + MaxPaddingTries);
                    for (long q = p + 1; q <= maxPad; q++)
                    {
                        long qh = pool ? ShapeMath.PoolOutput(shape.Height, k, s, q, d, ceilMode) : ShapeMath.ConvOutput(shape.Height, k, s, q, d);
                        long qw = pool ? ShapeMath.PoolOutput(shape.Width, k, s, q, d, ceilMode) : ShapeMath.ConvOutput(shape.Width, k, s, q, d);
                        if (ShapeMath.UnreadPositions(shape.Height, k, s, q, d, qh) == 0 && ShapeMath.UnreadPositions(shape.Width, k, s, q, d, qw) == 0)
                        {
                            options.Insert(0, "padding: " + Num(q));
                            padding = Num(q);
                            break;
                        }
                    }
                    fix = options.Count == 0
                        ? "choose a kernel and stride that tile the input"
                        : "use " + string.Join(" or ", options) + " to read them";
                }
                Report(Descriptors.UnreadInput, layer.Location,
                    $"{Name(layer, chain)} leaves {lost} of its {shape.Text} input unread (output {Num(oh)}×{Num(ow)}): {fix}");
                if (padding is not null) Property("Padding", padding);
                if (ceil is not null) Property("CeilMode", ceil);
            }

            private Draft? Adaptive(LayerSpec layer, AdaptiveAvgPool2dOp op, TensorShape shape, Chain chain)
            {
                long oh = op.OutHeight, ow = op.OutWidth;
                bool ok = Positive(layer, chain, "outputHeight", oh) & Positive(layer, chain, "outputWidth", ow);
                if (!ok || !NeedsSpatial(layer, shape, chain)) return null;
                if (!FitsInArray(layer, chain, "output", Product(shape.Channels, oh, ow))) return null;
                return new Draft(TensorShape.Spatial(shape.Channels, oh, ow), $"→{Num(oh)}×{Num(ow)}") { Flops = shape.Size };
            }

            private Draft? BatchNorm(LayerSpec layer, BatchNormOp op, TensorShape shape, Chain chain)
            {
                double eps = op.Eps, momentum = op.Momentum;
                bool ok = op.Features is not { } written || Positive(layer, chain, "features", written);
                // eps is used as a float: it must survive the conversion (1e300 would become ∞, 1e-50 would become 0).
                if (!(eps > 0) || double.IsInfinity(eps) || (float)eps == 0 || float.IsInfinity((float)eps))
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("eps"),
                        $"{Name(layer, chain)}: eps must be a positive number that a float can hold (about 1e-45 to 3e38), but is {Num(eps)}");
                    ok = false;
                }
                if (!(momentum >= 0 && momentum <= 1))
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("momentum"), $"{Name(layer, chain)}: momentum must be in [0, 1], but is {Num(momentum)}");
                    ok = false;
                }
                if (!ok) return null;
                if (op.TwoD ? !NeedsSpatial(layer, shape, chain) : !NeedsVector(layer, shape, chain)) return null;
                string what = op.TwoD ? "channels" : "features";
                long f = op.Features ?? shape.Channels;
                if (op.Features is null)
                    Inferred(layer, chain, shape, "features");
                else if (f != shape.Channels)
                {
                    Report(Descriptors.ChannelMismatch, layer.LocationOf("features"),
                        $"{Name(layer, chain)} expects {Num(f)} {what}, but {Producer(chain, shape)}: write {layer.AttributeName}({Num(shape.Channels)})");
                    Property("Argument", "features");
                    Property("Value", Num(shape.Channels));
                }
                else
                    Inferable(layer, chain, shape, "features");
                var draft = new Draft(shape, Num(f)) { Flops = 2 * shape.Size, Op = op with { Features = f } };
                draft.Parameters.Add(new ParameterPlan("", "weight", new[] { f }, 0, InitKind.Ones));
                draft.Parameters.Add(new ParameterPlan("", "bias", new[] { f }, 0, InitKind.Zeros));
                draft.Buffers.Add(new BufferPlan("", "running_mean", new[] { f }, InitKind.Zeros, false));
                draft.Buffers.Add(new BufferPlan("", "running_var", new[] { f }, InitKind.Ones, false));
                draft.Buffers.Add(new BufferPlan("", "num_batches_tracked", Array.Empty<long>(), InitKind.Zeros, true));
                return draft;
            }

            /// <summary>
            /// CNN0015 (hidden): a size left out was taken from what arrives. It carries the value, so a code fix can
            /// write it out ([Linear(128)] → [Linear(3136, 128)]), and the message says where it came from.
            /// </summary>
            private void Inferred(LayerSpec layer, Chain chain, TensorShape shape, string argument)
            {
                if (SeenSizeHint(layer.Location, shape, $"{layer.AttributeName} [{layer.Index}] infers {argument} from what arrives, and its block is used where different sizes arrive ({Num(shape.Channels)} here), so no one number can be written out")) return;
                Report(Descriptors.SizeInferred, layer.Location,
                    $"{Name(layer, chain)} infers {argument} = {Num(shape.Channels)}: {Producer(chain, shape)}");
                Property("Argument", argument);
                Property("Value", Num(shape.Channels));
            }

            /// <summary>CNN0017 (hidden): a written size equals what arrives, so it could be left to inference.</summary>
            private void Inferable(LayerSpec layer, Chain chain, TensorShape shape, string argument)
            {
                // Only where the size is written out: the code fix removes that argument.
                var location = layer.LocationOf(argument);
                if (location is null || location == layer.Location) return;
                // A block used twice with the same size: one hint (a mismatch at another use is CNN0004/CNN0005 anyway).
                if (SeenSizeHint(location, shape, null)) return;
                Report(Descriptors.SizeInferable, location,
                    $"{Name(layer, chain)}: {argument} {Num(shape.Channels)} is what arrives ({Producer(chain, shape)}), so it can be left out and inferred");
                Property("Argument", argument);
                Property("Value", Num(shape.Channels));
            }

            /// <summary>Where a CNN0015/CNN0017 was reported (a layer in a block is walked once per use), and its diagnostic's index.</summary>
            private readonly Dictionary<LocationInfo, int> _sizeHints = new Dictionary<LocationInfo, int>();

            /// <summary>
            /// Whether a size hint was already reported at <paramref name="location"/>; records it if not. When the
            /// block's uses infer different sizes, the first hint loses its value (no single number could be written out
            /// for every use) and says so with <paramref name="differs"/>.
            /// </summary>
            private bool SeenSizeHint(LocationInfo? location, TensorShape shape, string? differs)
            {
                if (location is null) return false;
                if (!_sizeHints.TryGetValue(location, out int at))
                {
                    _sizeHints[location] = _diagnostics.Count;
                    return false;
                }
                var first = _diagnostics[at];
                string value = Num(shape.Channels);
                if (differs is not null && first.Properties.Any(p => p.Key == "Value" && p.Value != value))
                    _diagnostics[at] = first with { Arguments = EquatableArray.From(new[] { differs }), Properties = EquatableArray<DiagnosticProperty>.Empty };
                return true;
            }

            private Draft? Linear(LayerSpec layer, LinearOp op, TensorShape shape, Chain chain)
            {
                long fout = op.OutFeatures;
                bool ok = (op.InFeatures is not { } written || Positive(layer, chain, "inFeatures", written)) & Positive(layer, chain, "outFeatures", fout);
                if (!ok || !NeedsVector(layer, shape, chain)) return null;
                long fin = op.InFeatures ?? shape.Channels;
                if (!FitsInArray(layer, chain, "weight", Product(fin, fout))) return null;
                if (op.InFeatures is null)
                    Inferred(layer, chain, shape, "inFeatures");
                else if (fin != shape.Channels)
                {
                    string arrived = Producer(chain, shape);
                    // After a Flatten, say where the number comes from: the spatial layer and its C × H × W.
                    var done = chain.Done;
                    if (done.Count > 0 && done[done.Count - 1].Kind == LayerKind.Flatten && done[done.Count - 1].Input.IsSpatial)
                    {
                        var flat = done[done.Count - 1];
                        var src = flat.Input;
                        string origin = done.Count >= 2 ? $"from {done[done.Count - 2].Name}, shape {src.Text}" : $"from {chain.Source}, shape {src.Text}";
                        arrived = $"{flat.Name} produces {Num(src.Size)} = {Num(src.Channels)} × {Num(src.Height)} × {Num(src.Width)} ({origin})";
                    }
                    string fix = Writable(shape.Channels) ? $"write Linear({Num(shape.Channels)}, {Num(fout)})" : "no Linear can take that many features: downsample before it";
                    Report(Descriptors.LinearMismatch, layer.LocationOf("inFeatures"),
                        $"Linear [{layer.Index}]{chain.Context} expects {Num(fin)} input features, but {arrived}: {fix}");
                    if (Writable(shape.Channels))
                    {
                        Property("Argument", "inFeatures");
                        Property("Value", Num(shape.Channels));
                    }
                }
                else
                    Inferable(layer, chain, shape, "inFeatures");
                var draft = new Draft(TensorShape.Vector(fout), $"{Num(fin)}→{Num(fout)}" + (op.Bias ? "" : ", no bias"))
                {
                    Flops = 2 * fin * fout + (op.Bias ? fout : 0),
                    Op = op with { InFeatures = fin },
                };
                draft.Parameters.Add(new ParameterPlan("", "weight", new[] { fout, fin }, fin, InitKind.UniformFanIn));
                if (op.Bias) draft.Parameters.Add(new ParameterPlan("", "bias", new[] { fout }, fin, InitKind.UniformFanIn));
                return draft;
            }
        }
    }
}
