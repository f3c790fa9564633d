using System;
using System.Collections.Generic;
using System.Globalization;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Model;
using CnnGen.Shapes;

namespace CnnGen.Generator.Shapes
{
    /// <summary>
    /// Shape inference: one pure function from a <see cref="NetworkSpec"/> to a <see cref="NetworkPlan"/>.
    /// It walks the layers in order, checks each against the shape that arrives, and explains any mismatch
    /// in the terms a user needs: the layer, its index, what arrived, from where, and the value that fits.
    /// It never throws: a layer it cannot size stops the walk with a diagnostic.
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
            var layers = new List<LayerPlan>();
            var input = TensorShape.Spatial(spec.InputChannels, spec.InputHeight, spec.InputWidth);
            bool hasErrors = HasError(diagnostics);
            if (spec.InputChannels <= 0 || spec.InputHeight <= 0 || spec.InputWidth <= 0 || spec.Layers.Count == 0)
                return new NetworkPlan(spec, input, layers, diagnostics, hasErrors: true);

            var walker = new Walker(spec, diagnostics);
            var shape = input;
            foreach (var layer in spec.Layers)
            {
                var plan = walker.Step(layer, shape, layers);
                if (plan is null) return new NetworkPlan(spec, input, layers, diagnostics, hasErrors: true);
                layers.Add(plan);
                shape = plan.Output;
            }

            // Flatten is a view: a network of nothing else would hand back its input as logits, and there would be no
            // buffer for the loss gradient to go to. Say so rather than emit code that cannot compile.
            if (layers.TrueForAll(l => l.Kind == LayerKind.Flatten))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadInput, spec.NetworkAttributeLocation,
                    $"Network '{spec.ClassName}' has only [Flatten], which computes nothing: add the layers that produce the logits after it, e.g. [Linear({Num(shape.Size)}, 10)]"));
                return new NetworkPlan(spec, input, layers, diagnostics, hasErrors: true);
            }

            if (shape.IsSpatial)
            {
                var last = layers[layers.Count - 1];
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.CannotPlace, last.Spec.Location,
                    $"Network '{spec.ClassName}' ends in a spatial tensor {shape.Text} from {Name(last)}, but a classifier must end in a vector of logits: add [Flatten] and [Linear({shape.Size}, classes)] after it"));
            }
            return new NetworkPlan(spec, input, layers, diagnostics, HasError(diagnostics));
        }

        private static bool HasError(List<DiagnosticInfo> diagnostics)
        {
            foreach (var d in diagnostics)
                if (Descriptors.ById(d.Id)?.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) return true;
            return false;
        }

        private static string Name(LayerPlan layer) => $"{layer.Spec.AttributeName} [{layer.Index}]";

        private static string Name(LayerSpec layer) => $"{layer.AttributeName} [{layer.Index}]";

        private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

        private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        private static string Plural(long n, string one, string many) => n == 1 ? $"1 {one}" : $"{Num(n)} {many}";

        private sealed class Walker
        {
            private readonly NetworkSpec _spec;
            private readonly List<DiagnosticInfo> _diagnostics;

            public Walker(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
            {
                _spec = spec;
                _diagnostics = diagnostics;
            }

            private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, string message)
                => _diagnostics.Add(DiagnosticInfo.Create(descriptor, location ?? _spec.NetworkAttributeLocation, message));


            /// <summary>"ReLU [1] produces 32×28×28", or "the input (1×28×28)" for the first layer.</summary>
            private string Producer(List<LayerPlan> done, TensorShape shape)
                => done.Count == 0 ? $"the [Network] input produces {shape.Text}" : $"{Name(done[done.Count - 1])} produces {shape.Text}";

            /// <summary>Sizes one layer, or returns null after reporting why it cannot be sized.</summary>
            public LayerPlan? Step(LayerSpec layer, TensorShape shape, List<LayerPlan> done)
            {
                switch (layer.Kind)
                {
                    case LayerKind.Conv2d: return Conv2d(layer, shape, done);
                    case LayerKind.MaxPool2d:
                    case LayerKind.AvgPool2d: return Pool(layer, shape, done);
                    case LayerKind.AdaptiveAvgPool2d: return Adaptive(layer, shape, done);
                    case LayerKind.BatchNorm2d:
                    case LayerKind.BatchNorm1d: return BatchNorm(layer, shape, done);
                    case LayerKind.Linear: return Linear(layer, shape, done);
                    case LayerKind.Flatten:
                        return new LayerPlan(layer, shape, TensorShape.Vector(shape.Size), "");
                    case LayerKind.Dropout:
                    {
                        double p = layer.Double("p");
                        if (!(p >= 0 && p < 1))
                        {
                            Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("p"),
                                $"Dropout [{layer.Index}]: p must be in [0, 1), but is {Num(p)}");
                            return null;
                        }
                        return new LayerPlan(layer, shape, shape, "p=" + Num(p)) { Flops = shape.Size };
                    }
                    case LayerKind.LeakyReLU:
                    {
                        double slope = layer.Double("negativeSlope");
                        if (double.IsNaN(slope) || double.IsInfinity(slope))
                        {
                            Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("negativeSlope"),
                                $"LeakyReLU [{layer.Index}]: negativeSlope must be a finite number, but is {Num(slope)}");
                            return null;
                        }
                        if (slope < 0)
                        {
                            // The backward reads the sign of the output, which only matches the input's for slope ≥ 0.
                            Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("negativeSlope"),
                                $"LeakyReLU [{layer.Index}]: negativeSlope must not be negative in CnnGen, but is {Num(slope)}");
                            return null;
                        }
                        return new LayerPlan(layer, shape, shape, "slope " + Num(slope)) { Flops = shape.Size };
                    }
                    case LayerKind.ReLU:
                    case LayerKind.Sigmoid:
                    case LayerKind.Tanh:
                        return new LayerPlan(layer, shape, shape, "") { Flops = shape.Size };
                    default:
                        Report(Descriptors.CannotPlace, layer.Location,
                            $"Layer [{layer.Index}] '{layer.AttributeName}' cannot be placed: {WhyUnknown(layer)}; shapes after it are not checked");
                        return null;
                }
            }

            /// <summary>
            /// Why a layer has no kind: a CnnGen layer whose arguments the compiler could not bind (its name is one
            /// of ours), or an attribute that is not ours, perhaps a misspelling of one of ours.
            /// </summary>
            private static string WhyUnknown(LayerSpec layer)
            {
                string name = layer.AttributeName;
                if (name.EndsWith("Attribute", StringComparison.Ordinal)) name = name.Substring(0, name.Length - "Attribute".Length);
                string? closest = null;
                int best = int.MaxValue;
                foreach (LayerKind kind in Enum.GetValues(typeof(LayerKind)))
                {
                    if (kind == LayerKind.Unknown) continue;
                    string known = kind.ToString();
                    if (known == name) return "its arguments could not be read (see the compiler's error)";
                    int distance = EditDistance(name.ToLowerInvariant(), known.ToLowerInvariant());
                    if (distance < best) { best = distance; closest = known; }
                }
                // Up to two edits, and fewer than half the name, so that "Swish" is not taken for "Tanh".
                return closest is not null && best <= 2 && best * 2 < name.Length
                    ? $"it is not a CnnGen layer attribute (did you mean {closest}?)"
                    : "it is not a CnnGen layer attribute, so CnnGen cannot size or run it";
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

            private bool Positive(LayerSpec layer, string arg, long value)
            {
                if (value >= 1) return true;
                Report(Descriptors.ArgumentOutOfRange, layer.LocationOf(arg),
                    $"{Name(layer)}: {arg} must be at least 1, but is {Num(value)}");
                return false;
            }

            private bool NotNegative(LayerSpec layer, string arg, long value)
            {
                if (value >= 0) return true;
                Report(Descriptors.ArgumentOutOfRange, layer.LocationOf(arg),
                    $"{Name(layer)}: {arg} must not be negative, but is {Num(value)}");
                return false;
            }

            private bool NeedsSpatial(LayerSpec layer, TensorShape shape, List<LayerPlan> done)
            {
                if (shape.IsSpatial) return true;
                Report(Descriptors.MissingFlatten, layer.Location,
                    $"{Name(layer)} needs a (channels, height, width) input, but {Producer(done, shape)} features (a vector): spatial layers must come before [Flatten]");
                return false;
            }

            private bool NeedsVector(LayerSpec layer, TensorShape shape, List<LayerPlan> done)
            {
                if (!shape.IsSpatial) return true;
                Report(Descriptors.MissingFlatten, layer.Location,
                    $"{Name(layer)} needs a vector of features, but {Producer(done, shape)} (spatial): add [Flatten] before it (it would then receive {Num(shape.Size)} features)");
                return false;
            }

            private bool FitsInArray(LayerSpec layer, string what, long elements)
            {
                if (elements <= MaxElements) return true;
                Report(Descriptors.ArgumentOutOfRange, layer.Location,
                    $"{Name(layer)}: its {what} would have {Num(elements)} elements per sample, more than a .NET array holds ({Num(MaxElements)})");
                return false;
            }

            private LayerPlan? Conv2d(LayerSpec layer, TensorShape shape, List<LayerPlan> done)
            {
                long cin = layer.Int("inChannels"), cout = layer.Int("outChannels"), k = layer.Int("kernelSize");
                long s = layer.Int("stride"), p = layer.Int("padding"), d = layer.Int("dilation"), g = layer.Int("groups");
                bool ok = Positive(layer, "inChannels", cin) & Positive(layer, "outChannels", cout) & Positive(layer, "kernelSize", k)
                    & Positive(layer, "stride", s) & NotNegative(layer, "padding", p) & Positive(layer, "dilation", d) & Positive(layer, "groups", g);
                if (ok && cin % g != 0)
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("groups"),
                        $"{Name(layer)}: inChannels {Num(cin)} is not divisible by groups {Num(g)}");
                    ok = false;
                }
                if (ok && cout % g != 0)
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("groups"),
                        $"{Name(layer)}: outChannels {Num(cout)} is not divisible by groups {Num(g)}");
                    ok = false;
                }
                if (!ok || !NeedsSpatial(layer, shape, done)) return null;

                if (cin != shape.Channels)
                {
                    Report(Descriptors.ChannelMismatch, layer.LocationOf("inChannels"),
                        $"{Name(layer)} expects {Num(cin)} input channels, but {Producer(done, shape)}: write Conv2d({Num(shape.Channels)}, {Num(cout)}, …)");
                }

                long oh = ShapeMath.ConvOutput(shape.Height, k, s, p, d), ow = ShapeMath.ConvOutput(shape.Width, k, s, p, d);
                if (oh <= 0 || ow <= 0)
                {
                    long span = d * (k - 1) + 1;
                    Report(Descriptors.SpatialTooSmall, layer.LocationOf("kernelSize"),
                        $"{Name(layer)}: its {Num(span)}×{Num(span)} window is larger than its padded input {Num(shape.Height + 2 * p)}×{Num(shape.Width + 2 * p)} ({Producer(done, shape)}, padding {Num(p)}); the output would be {Num(oh)}×{Num(ow)}");
                    return null;
                }
                if (!FitsInArray(layer, "output", cout * oh * ow) || !FitsInArray(layer, "weight", cout * (cin / g) * k * k)) return null;

                var text = new List<string> { $"{Num(cin)}→{Num(cout)}", "k" + Num(k) };
                if (s != 1) text.Add("s" + Num(s));
                if (p != 0) text.Add("p" + Num(p));
                if (d != 1) text.Add("d" + Num(d));
                if (g != 1) text.Add("g" + Num(g));
                bool bias = layer.Bool("bias");
                if (!bias) text.Add("no bias");
                var plan = new LayerPlan(layer, shape, TensorShape.Spatial(cout, oh, ow), string.Join(", ", text))
                {
                    Kernel = k, Stride = s, Padding = p, Dilation = d, Groups = g,
                };
                long fanIn = cin / g * k * k;
                plan.Parameters.Add(new ParameterPlan($"{layer.Index}.weight", "weight", new[] { cout, cin / g, k, k }, fanIn, InitKind.UniformFanIn));
                if (bias) plan.Parameters.Add(new ParameterPlan($"{layer.Index}.bias", "bias", new[] { cout }, fanIn, InitKind.UniformFanIn));
                plan.Flops = 2 * cout * oh * ow * fanIn + (bias ? cout * oh * ow : 0);
                WarnUnread(layer, shape, k, s, p, d, oh, ow, ceilMode: false);
                return plan;
            }

            private LayerPlan? Pool(LayerSpec layer, TensorShape shape, List<LayerPlan> done)
            {
                bool max = layer.Kind == LayerKind.MaxPool2d;
                long k = layer.Int("kernelSize"), s = layer.Int("stride"), p = layer.Int("padding");
                long d = max ? layer.Int("dilation") : 1;
                bool ceil = layer.Bool("ceilMode");
                bool ok = Positive(layer, "kernelSize", k) & NotNegative(layer, "stride", s) & NotNegative(layer, "padding", p);
                if (max) ok &= Positive(layer, "dilation", d);
                if (ok && p > k / 2)
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("padding"),
                        $"{Name(layer)}: padding {Num(p)} must be at most half the kernel size ({Num(k)} / 2 = {Num(k / 2)})");
                    ok = false;
                }
                if (!ok || !NeedsSpatial(layer, shape, done)) return null;
                bool strideDefaulted = s == 0;
                if (strideDefaulted) s = k;

                long oh = ShapeMath.PoolOutput(shape.Height, k, s, p, d, ceil), ow = ShapeMath.PoolOutput(shape.Width, k, s, p, d, ceil);
                if (oh <= 0 || ow <= 0)
                {
                    long span = d * (k - 1) + 1;
                    Report(Descriptors.SpatialTooSmall, layer.LocationOf("kernelSize"),
                        $"{Name(layer)}: its {Num(span)}×{Num(span)} window is larger than its padded input {Num(shape.Height + 2 * p)}×{Num(shape.Width + 2 * p)} ({Producer(done, shape)}, padding {Num(p)}); the output would be {Num(oh)}×{Num(ow)}");
                    return null;
                }
                if (!FitsInArray(layer, "output", shape.Channels * oh * ow)) return null;

                var text = new List<string> { "k" + Num(k), "s" + Num(s) };
                if (p != 0) text.Add("p" + Num(p));
                if (d != 1) text.Add("d" + Num(d));
                if (ceil) text.Add("ceil");
                if (!max && !layer.Bool("countIncludePad")) text.Add("exclude pad");
                var plan = new LayerPlan(layer, shape, TensorShape.Spatial(shape.Channels, oh, ow), string.Join(", ", text))
                {
                    Kernel = k, Stride = s, Padding = p, Dilation = d,
                    Flops = shape.Channels * oh * ow * k * k,
                };
                WarnUnread(layer, shape, k, s, p, d, oh, ow, ceil);
                return plan;
            }

            /// <summary>
            /// CNN0008: floor division can leave the last rows/columns out of every window, and a stride larger
            /// than the window skips rows between windows. Says how many and what would keep them.
            /// </summary>
            private void WarnUnread(LayerSpec layer, TensorShape shape, long k, long s, long p, long d, long oh, long ow, bool ceilMode)
            {
                long rows = ShapeMath.UnreadPositions(shape.Height, k, s, p, d, oh);
                long cols = ShapeMath.UnreadPositions(shape.Width, k, s, p, d, ow);
                if (rows <= 0 && cols <= 0) return;

                var parts = new List<string>();
                if (rows > 0) parts.Add(Plural(rows, "row", "rows"));
                if (cols > 0) parts.Add(Plural(cols, "column", "columns"));
                string lost = string.Join(" and ", parts);
                string fix;
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
                        options.Add("ceilMode: true");
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
                            break;
                        }
                    }
                    fix = options.Count == 0
                        ? "choose a kernel and stride that tile the input"
                        : "use " + string.Join(" or ", options) + " to read them";
                }
                Report(Descriptors.UnreadInput, layer.Location,
                    $"{Name(layer)} leaves {lost} of its {shape.Text} input unread (output {Num(oh)}×{Num(ow)}): {fix}");
            }

            private LayerPlan? Adaptive(LayerSpec layer, TensorShape shape, List<LayerPlan> done)
            {
                long oh = layer.Int("outputHeight"), ow = layer.Int("outputWidth");
                bool ok = Positive(layer, "outputHeight", oh) & Positive(layer, "outputWidth", ow);
                if (!ok || !NeedsSpatial(layer, shape, done)) return null;
                if (!FitsInArray(layer, "output", shape.Channels * oh * ow)) return null;
                return new LayerPlan(layer, shape, TensorShape.Spatial(shape.Channels, oh, ow), $"→{Num(oh)}×{Num(ow)}")
                {
                    Flops = shape.Size,
                };
            }

            private LayerPlan? BatchNorm(LayerSpec layer, TensorShape shape, List<LayerPlan> done)
            {
                bool twoD = layer.Kind == LayerKind.BatchNorm2d;
                long f = layer.Int("features");
                double eps = layer.Double("eps"), momentum = layer.Double("momentum");
                bool ok = Positive(layer, "features", f);
                if (!(eps > 0) || double.IsInfinity(eps))
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("eps"), $"{Name(layer)}: eps must be a positive number, but is {Num(eps)}");
                    ok = false;
                }
                if (!(momentum >= 0 && momentum <= 1))
                {
                    Report(Descriptors.ArgumentOutOfRange, layer.LocationOf("momentum"), $"{Name(layer)}: momentum must be in [0, 1], but is {Num(momentum)}");
                    ok = false;
                }
                if (!ok) return null;
                if (twoD ? !NeedsSpatial(layer, shape, done) : !NeedsVector(layer, shape, done)) return null;
                if (f != shape.Channels)
                {
                    string what = twoD ? "channels" : "features";
                    Report(Descriptors.ChannelMismatch, layer.LocationOf("features"),
                        $"{Name(layer)} expects {Num(f)} {what}, but {Producer(done, shape)}: write {layer.AttributeName}({Num(shape.Channels)})");
                }
                var plan = new LayerPlan(layer, shape, shape, Num(f)) { Flops = 2 * shape.Size };
                plan.Parameters.Add(new ParameterPlan($"{layer.Index}.weight", "weight", new[] { f }, 0, InitKind.Ones));
                plan.Parameters.Add(new ParameterPlan($"{layer.Index}.bias", "bias", new[] { f }, 0, InitKind.Zeros));
                plan.Buffers.Add(new BufferPlan($"{layer.Index}.running_mean", "running_mean", new[] { f }, InitKind.Zeros, false));
                plan.Buffers.Add(new BufferPlan($"{layer.Index}.running_var", "running_var", new[] { f }, InitKind.Ones, false));
                plan.Buffers.Add(new BufferPlan($"{layer.Index}.num_batches_tracked", "num_batches_tracked", Array.Empty<long>(), InitKind.Zeros, true));
                return plan;
            }

            private LayerPlan? Linear(LayerSpec layer, TensorShape shape, List<LayerPlan> done)
            {
                long fin = layer.Int("inFeatures"), fout = layer.Int("outFeatures");
                bool ok = Positive(layer, "inFeatures", fin) & Positive(layer, "outFeatures", fout);
                if (!ok || !NeedsVector(layer, shape, done)) return null;
                if (!FitsInArray(layer, "weight", fin * fout)) return null;
                if (fin != shape.Channels)
                {
                    string arrived = Producer(done, shape);
                    // After a Flatten, say where the number comes from: the spatial layer and its C × H × W.
                    if (done.Count > 0 && done[done.Count - 1].Kind == LayerKind.Flatten && done[done.Count - 1].Input.IsSpatial)
                    {
                        var flat = done[done.Count - 1];
                        var src = flat.Input;
                        string origin = done.Count >= 2 ? $"from {Name(done[done.Count - 2])}, shape {src.Text}" : $"from the [Network] input, shape {src.Text}";
                        arrived = $"{Name(flat)} produces {Num(src.Size)} = {Num(src.Channels)} × {Num(src.Height)} × {Num(src.Width)} ({origin})";
                    }
                    Report(Descriptors.LinearMismatch, layer.LocationOf("inFeatures"),
                        $"Linear [{layer.Index}] expects {Num(fin)} input features, but {arrived}: write Linear({Num(shape.Channels)}, {Num(fout)})");
                }
                bool bias = layer.Bool("bias");
                var plan = new LayerPlan(layer, shape, TensorShape.Vector(fout), $"{Num(fin)}→{Num(fout)}" + (bias ? "" : ", no bias"))
                {
                    Flops = 2 * fin * fout + (bias ? fout : 0),
                };
                plan.Parameters.Add(new ParameterPlan($"{layer.Index}.weight", "weight", new[] { fout, fin }, fin, InitKind.UniformFanIn));
                if (bias) plan.Parameters.Add(new ParameterPlan($"{layer.Index}.bias", "bias", new[] { fout }, fin, InitKind.UniformFanIn));
                return plan;
            }
        }
    }
}
