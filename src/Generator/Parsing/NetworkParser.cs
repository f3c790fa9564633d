using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CnnGen.Generator.Parsing
{
    /// <summary>
    /// Turns a [Network] class into a <see cref="NetworkSpec"/>: plain data, no symbols or syntax, so the rest of the
    /// pipeline is cacheable and testable without a compilation. Blocks used by [Residual&lt;…&gt;], [Concat&lt;…&gt;] and
    /// [Sequential&lt;…&gt;] are read in place, recursively. The generator parses without locations (its spec must not
    /// change when lines move); the analyzer parses the same way with locations, to report diagnostics.
    /// </summary>
    internal sealed class NetworkParser
    {
        public const string NetworkAttributeName = "CnnGen.NetworkAttribute";
        public const string BlockAttributeName = "CnnGen.BlockAttribute";
        public const string LayerAttributeBaseName = "CnnGen.LayerAttribute";
        public const string LossAttributeBaseName = "CnnGen.LossAttribute";

        /// <summary>Members the generated half declares: a user member or class of the same name would collide.</summary>
        public static readonly ImmutableHashSet<string> GeneratedMemberNames = ImmutableHashSet.Create(
            "Shapes", "Summary", "Parameters", "Buffers", "Save", "Load", "Train", "Eval", "Predict", "ForwardBackward",
            "Name", "InputChannels", "InputHeight", "InputWidth", "InputSize", "OutputSize", "IsTraining", "GetSummary",
            "ResetParameters", "DropoutStep", "ExportOnnx", "LossKind");

        private readonly bool _withLocations;
        private readonly CancellationToken _cancellationToken;
        private readonly List<DiagnosticInfo> _diagnostics = new List<DiagnosticInfo>();
        private readonly List<INamedTypeSymbol> _blockStack = new List<INamedTypeSymbol>();

        private NetworkParser(bool withLocations, CancellationToken cancellationToken)
        {
            _withLocations = withLocations;
            _cancellationToken = cancellationToken;
        }

        /// <summary>Parses the [Network] class <paramref name="symbol"/>; <paramref name="withLocations"/> for the analyzer.</summary>
        public static NetworkSpec Parse(INamedTypeSymbol symbol, AttributeData networkData, bool withLocations, CancellationToken cancellationToken)
            => new NetworkParser(withLocations, cancellationToken).ParseNetwork(symbol, networkData);

        private LocationInfo? Where(SyntaxNode? node) => _withLocations ? LocationInfo.From(node) : null;

        private LocationInfo? Where(Location? location) => _withLocations ? LocationInfo.From(location) : null;

        private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, string message)
            => _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, message));

        private NetworkSpec ParseNetwork(INamedTypeSymbol symbol, AttributeData networkData)
        {
            var declaration = symbol.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(_cancellationToken)).OfType<TypeDeclarationSyntax>()
                .FirstOrDefault(d => d.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.SpanStart == networkData.ApplicationSyntaxReference?.Span.Start))
                ?? symbol.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<TypeDeclarationSyntax>().First();
            var classNameLocation = Where(declaration.Identifier.GetLocation());

            CheckDeclaration(symbol, declaration, classNameLocation);

            // The [Network] arguments: channels, height, width.
            var networkSyntax = networkData.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax;
            var networkLocation = Where(networkSyntax);
            int channels = 0, height = 0, width = 0;
            if (networkData.AttributeConstructor is null || networkData.ConstructorArguments.Length != 3
                || networkData.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error))
            {
                Report(Descriptors.BadInput, networkLocation,
                    $"[Network] on '{symbol.Name}' needs the input shape: [Network(channels, height, width)], e.g. [Network(1, 28, 28)] for MNIST");
            }
            else
            {
                var names = new[] { "channels", "height", "width" };
                var values = new int[3];
                for (int i = 0; i < 3; i++)
                {
                    values[i] = networkData.ConstructorArguments[i].Value is int v ? v : 0;
                    if (values[i] <= 0)
                    {
                        Report(Descriptors.BadInput, ArgumentWhere(networkSyntax, networkData.AttributeConstructor, i) ?? networkLocation,
                            $"[Network] input {names[i]} of '{symbol.Name}' must be positive, but is {values[i]}");
                    }
                }
                channels = values[0]; height = values[1]; width = values[2];
                long size = (long)channels * height * width;
                if (size > int.MaxValue)
                {
                    Report(Descriptors.BadInput, networkLocation,
                        $"[Network] input of '{symbol.Name}' has {channels}×{height}×{width} = {size} values per sample, more than a .NET array holds ({int.MaxValue})");
                }
            }

            var maxParameters = ReadBudget(networkData, networkSyntax, "MaxParameters", symbol.Name);
            var maxFlops = ReadBudget(networkData, networkSyntax, "MaxFlops", symbol.Name);

            if (HasAttribute(symbol, BlockAttributeName))
            {
                Report(Descriptors.BlockMisuse, classNameLocation,
                    $"Class '{symbol.Name}' has both [Network] and [Block]: a network has an input shape, a block takes its shape from where it is used; keep one");
            }

            _blockStack.Add(symbol);
            var layers = ReadLayers(symbol, declaration, networkSyntax);
            _blockStack.RemoveAt(_blockStack.Count - 1);
            if (layers.Count == 0)
            {
                Report(Descriptors.BadInput, networkLocation,
                    $"Network '{symbol.Name}' has no layers: add layer attributes after [Network], e.g. [Conv2d(1, 32, 3)] [ReLU] [Flatten] [Linear(…, 10)]");
            }

            var containing = new List<ContainingType>();
            for (var t = symbol.ContainingType; t is not null; t = t.ContainingType)
                containing.Insert(0, new ContainingType(Keyword(t), Identifier(t.Name)));

            return new NetworkSpec(
                symbol.ContainingNamespace is { IsGlobalNamespace: false } ns ? NamespaceText(ns) : null,
                Identifier(symbol.Name),
                Accessibility(symbol.DeclaredAccessibility),
                EquatableArray.From(containing),
                channels, height, width,
                EquatableArray.From(layers),
                ReadLoss(symbol),
                symbol.GetMembers("ToString").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 0 && IsUserCode(m)),
                EquatableArray.From(symbol.GetMembers().Where(m => !m.IsImplicitlyDeclared && IsUserCode(m) && m.CanBeReferencedByName && MayCollide(m.Name))
                    .Select(m => m.Name).Distinct().OrderBy(n => n, StringComparer.Ordinal)),
                networkLocation,
                classNameLocation,
                EquatableArray.From(_diagnostics),
                maxParameters,
                maxFlops);
        }

        /// <summary>An optional budget, [Network(…, MaxParameters = 500_000)]: null when not set (or 0, the property's default).</summary>
        private Budget? ReadBudget(AttributeData networkData, AttributeSyntax? networkSyntax, string name, string className)
        {
            foreach (var named in networkData.NamedArguments)
            {
                if (named.Key != name || named.Value.Kind == TypedConstantKind.Error || named.Value.Value is not long limit || limit == 0) continue;
                var assignment = networkSyntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
                var location = Where(assignment) ?? Where(networkSyntax);
                if (limit < 0)
                {
                    Report(Descriptors.BadInput, location, $"[Network] {name} of '{className}' must be positive (or left out for no budget), but is {limit}");
                    return null;
                }
                return new Budget(name, limit, location);
            }
            return null;
        }

        private void CheckDeclaration(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, LocationInfo? location)
        {
            string name = symbol.Name;
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                var outer = declaration.Ancestors().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)).Select(t => $"'{t.Identifier.Text}'").ToList();
                Report(Descriptors.NotPartial, location,
                    $"Network class '{name}' must be declared partial so that CnnGen can add its generated members: write 'partial class {name}'"
                    + (outer.Count == 0 ? "" : $", and make {string.Join(" and ", outer)}, which contain{(outer.Count == 1 ? "s" : "")} it, partial too"));
            }
            if (symbol.IsStatic)
                Report(Descriptors.NotPartial, location, $"Network class '{name}' must not be static: a network is an object with weights");
            if (symbol.IsRecord || declaration is RecordDeclarationSyntax)
                Report(Descriptors.NotPartial, location, $"Network '{name}' must be a class, not a record: its weights are mutable state");
            if (symbol.IsFileLocal)
                Report(Descriptors.NotPartial, location, $"Network class '{name}' must not be a 'file' class: its generated half lives in another file");
            if (symbol.TypeParameters.Length > 0)
                Report(Descriptors.NotPartial, location, $"Network class '{name}' must not be generic: its shapes are fixed at compile time");
            if (GeneratedMemberNames.Contains(name))
                Report(Descriptors.NotPartial, location, $"Network class '{name}' has the name of a member CnnGen generates inside it; rename the class");
            foreach (var member in symbol.GetMembers())
            {
                if (!GeneratedMemberNames.Contains(member.Name) || member.IsImplicitlyDeclared || !IsUserCode(member)) continue;
                Report(Descriptors.NotPartial, Where(member.Locations.FirstOrDefault()) ?? location,
                    $"Network class '{name}' declares '{member.Name}', which CnnGen generates: rename or remove it");
            }
            for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
            {
                // One diagnostic when the class itself is not partial either: one fix makes them all partial.
                if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword) && declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    Report(Descriptors.NotPartial, location,
                        $"Network class '{name}' is nested in '{parent.Identifier.Text}', which must also be declared partial");
                }
                if (parent.TypeParameterList is { Parameters.Count: > 0 })
                {
                    Report(Descriptors.NotPartial, location,
                        $"Network class '{name}' must not be nested in the generic type '{parent.Identifier.Text}'");
                }
            }
        }

        /// <summary>Private members of the generated half that are not underscore fields.</summary>
        private static readonly ImmutableHashSet<string> GeneratedPrivateNames = ImmutableHashSet.Create(
            "Forward", "Backward", "CheckInput", "AllocateActivations", "AllocateGradients", "AllocateShared", "ArenaLength",
            "ActivationFloatsPerSample", "TransientFloatsPerSample", "GradientFloatsPerSample", "IndicesPerSample",
            "ForwardInference", "AllocateInference", "FoldBatchNorms", "InferenceFloatsPerSample", "InferenceArenaFloats", "InferenceChunk");

        /// <summary>
        /// Whether a user member's name could be one the generated half declares (its fields all start with '_' or "s_",
        /// its kernel geometry with "Conv"/"Pool"). Only those names enter the spec, so adding an unrelated member to the
        /// class leaves the spec, and the generated code, cached.
        /// </summary>
        private static bool MayCollide(string name)
            => name.StartsWith("_", StringComparison.Ordinal) || name.StartsWith("s_", StringComparison.Ordinal)
               || name.StartsWith("Conv", StringComparison.Ordinal) || name.StartsWith("Pool", StringComparison.Ordinal)
               || GeneratedPrivateNames.Contains(name) || GeneratedMemberNames.Contains(name);

        /// <summary>Whether a member is the user's, not from CnnGen's own generated file (the analyzer sees both).</summary>
        private static bool IsUserCode(ISymbol member)
            => member.Locations.Any(l => l.IsInSource && !(l.SourceTree?.FilePath ?? "").Contains(nameof(NetworkGenerator)));

        /// <summary>
        /// The layer attributes of a network or block in source order (layer order is meaning). Attributes on the
        /// declaration that carries [Network]/[Block] come first, in the order written; other partial declarations follow
        /// by file. An attribute whose type the compiler cannot resolve, sitting between layer attributes, is kept as an
        /// <see cref="LayerKind.Unknown"/> layer so later shapes are not checked against a wrong index; so is one written
        /// after [Network] on the same declaration (a misspelled first or last layer, [Conv2D(…)]).
        /// </summary>
        private List<LayerSpec> ReadLayers(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, AttributeSyntax? anchorSyntax)
        {
            var candidates = new List<(AttributeData Data, AttributeSyntax? Syntax, bool IsLayer)>();
            foreach (var data in symbol.GetAttributes())
            {
                var cls = data.AttributeClass;
                if (cls is null) continue;
                bool isLayer = DerivesFrom(cls, LayerAttributeBaseName);
                bool unresolved = cls.TypeKind == TypeKind.Error;
                if (!isLayer && !unresolved) continue;
                candidates.Add((data, data.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax, isLayer));
            }

            string mainPath = declaration.SyntaxTree.FilePath;
            candidates.Sort((a, b) =>
            {
                var ta = a.Syntax?.SyntaxTree; var tb = b.Syntax?.SyntaxTree;
                int ra = ta == declaration.SyntaxTree ? 0 : 1, rb = tb == declaration.SyntaxTree ? 0 : 1;
                if (ra != rb) return ra.CompareTo(rb);
                int c = string.CompareOrdinal(ta?.FilePath ?? mainPath, tb?.FilePath ?? mainPath);
                if (c != 0) return c;
                return (a.Syntax?.SpanStart ?? 0).CompareTo(b.Syntax?.SpanStart ?? 0);
            });

            // Unresolved attributes count only between the first and the last real layer attribute.
            int first = candidates.FindIndex(c => c.IsLayer), last = candidates.FindLastIndex(c => c.IsLayer);
            var layers = new List<LayerSpec>();
            for (int i = 0; i < candidates.Count; i++)
            {
                var (data, syntax, isLayer) = candidates[i];
                if (!isLayer && (i < first || i > last) && !AfterAnchor(syntax)) continue;
                layers.Add(ReadLayer(layers.Count, data, syntax));
            }
            return layers;

            bool AfterAnchor(AttributeSyntax? syntax)
                => syntax is not null && anchorSyntax is not null && syntax.SyntaxTree == anchorSyntax.SyntaxTree
                    && syntax.SpanStart > anchorSyntax.SpanStart;
        }

        private LayerSpec ReadLayer(int index, AttributeData data, AttributeSyntax? syntax)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var location = Where(syntax);
            var cls = data.AttributeClass;
            string name = cls?.Name ?? "?";
            if (name.EndsWith("Attribute", StringComparison.Ordinal)) name = name.Substring(0, name.Length - "Attribute".Length);
            if (cls is { TypeKind: TypeKind.Error } && syntax is not null)
                name = syntax.Name switch
                {
                    GenericNameSyntax g => g.Identifier.ValueText,
                    QualifiedNameSyntax q => q.Right.Identifier.ValueText,
                    AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
                    var other => other.ToString(),
                };

            var kind = LayerKind.Unknown;
            if (cls is not null && cls.TypeKind != TypeKind.Error && cls.ContainingNamespace?.ToDisplayString() == "CnnGen"
                && Enum.TryParse(name, out LayerKind parsed))
                kind = parsed;

            if (kind is LayerKind.Residual or LayerKind.Concat or LayerKind.Sequential)
                return ReadBlockLayer(index, kind, name, cls!, syntax, location);

            var ctor = data.AttributeConstructor;
            var argumentLocations = new List<ArgumentLocation>();
            Op? op = null;
            // A constructor the compiler could not bind (wrong argument types) leaves nothing to read.
            if (kind != LayerKind.Unknown && ctor is not null && data.ConstructorArguments.Length == ctor.Parameters.Length
                && !data.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error))
            {
                var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (int i = 0; i < ctor.Parameters.Length; i++)
                {
                    values[ctor.Parameters[i].Name] = data.ConstructorArguments[i].Value;
                    var argLocation = ArgumentWhere(syntax, ctor, i);
                    if (argLocation is not null) argumentLocations.Add(new ArgumentLocation(ctor.Parameters[i].Name, argLocation));
                }
                op = OpReader.Read(kind, values);
            }
            if (op is null) kind = LayerKind.Unknown;
            return new LayerSpec(index, kind, name, op, location, EquatableArray.From(argumentLocations));
        }

        /// <summary>[Residual&lt;TBody&gt;], [Residual&lt;TBody, TShortcut&gt;], [Concat&lt;T1, …&gt;], [Sequential&lt;T&gt;]: reads each block in place.</summary>
        private LayerSpec ReadBlockLayer(int index, LayerKind kind, string name, INamedTypeSymbol cls, AttributeSyntax? syntax, LocationInfo? location)
        {
            var generic = syntax?.Name as GenericNameSyntax ?? (syntax?.Name as QualifiedNameSyntax)?.Right as GenericNameSyntax;
            var typeArgumentSyntax = generic?.TypeArgumentList.Arguments ?? default;
            var uses = new List<BlockUse>();
            bool ok = true;
            for (int i = 0; i < cls.TypeArguments.Length; i++)
            {
                var argumentSyntax = typeArgumentSyntax.Count > i ? typeArgumentSyntax[i] : null;
                var use = ReadBlock(cls.TypeArguments[i], Where(argumentSyntax) ?? location, kind, index);
                if (use is null) ok = false;
                else uses.Add(use);
            }
            Op? op = !ok ? null : kind switch
            {
                LayerKind.Residual => new ResidualOp(uses[0], uses.Count > 1 ? uses[1] : null),
                LayerKind.Concat => new ConcatOp(EquatableArray.From(uses)),
                _ => new SequentialOp(uses[0]),
            };
            // A block that could not be read was reported where it is named; the layer stays in place (so later indices
            // keep their meaning) but nothing after it is sized.
            return new LayerSpec(index, op is null ? LayerKind.Unknown : kind, name, op, location, EquatableArray<ArgumentLocation>.Empty, AlreadyReported: op is null);
        }

        private BlockUse? ReadBlock(ITypeSymbol type, LocationInfo? location, LayerKind kind, int index)
        {
            if (type is not INamedTypeSymbol block || block.TypeKind == TypeKind.Error)
                return null; // the compiler reports the unknown type itself
            if (!HasAttribute(block, BlockAttributeName))
            {
                Report(Descriptors.BlockMisuse, location,
                    $"{kind} [{index}] uses '{block.Name}', which is not a block: mark it [Block] and give it layer attributes (a [Network] cannot be used inside another)");
                return null;
            }
            if (_blockStack.Contains(block, SymbolEqualityComparer.Default))
            {
                string cycle = string.Join(" → ", _blockStack.SkipWhile(b => !SymbolEqualityComparer.Default.Equals(b, block)).Select(b => b.Name).Append(block.Name));
                Report(Descriptors.BlockMisuse, location, $"Block '{block.Name}' contains itself ({cycle}): a network must be finite");
                return null;
            }
            var declaration = block.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (declaration is null) return null;
            var blockAttribute = block.GetAttributes().First(a => a.AttributeClass?.ToDisplayString() == BlockAttributeName);
            _blockStack.Add(block);
            var layers = ReadLayers(block, declaration, blockAttribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax);
            _blockStack.RemoveAt(_blockStack.Count - 1);
            if (layers.Count == 0)
            {
                Report(Descriptors.BlockMisuse, location, $"Block '{block.Name}' has no layers: add layer attributes to it, e.g. [Conv2d(…)] [ReLU]");
                return null;
            }
            return new BlockUse(Identifier(block.Name), EquatableArray.From(layers), location);
        }

        private LossSpec ReadLoss(INamedTypeSymbol symbol)
        {
            foreach (var data in symbol.GetAttributes())
            {
                var cls = data.AttributeClass;
                if (cls is null || !DerivesFrom(cls, LossAttributeBaseName)) continue;
                var location = Where(data.ApplicationSyntaxReference?.GetSyntax(_cancellationToken));
                switch (cls.Name)
                {
                    case "BCEWithLogitsLossAttribute": return new LossSpec(LossKind.BCEWithLogits, 0, EquatableArray<double>.Empty, location);
                    case "MSELossAttribute": return new LossSpec(LossKind.MSE, 0, EquatableArray<double>.Empty, location);
                    case "CrossEntropyLossAttribute":
                    {
                        double smoothing = data.ConstructorArguments.Length > 0 && data.ConstructorArguments[0].Value is double d ? d : 0;
                        var weights = data.ConstructorArguments.Length > 1 && data.ConstructorArguments[1].Kind == TypedConstantKind.Array && !data.ConstructorArguments[1].IsNull
                            ? data.ConstructorArguments[1].Values.Select(v => v.Value is float f ? (double)f : 0).ToList()
                            : new List<double>();
                        return new LossSpec(LossKind.CrossEntropy, smoothing, EquatableArray.From(weights), location);
                    }
                }
            }
            return LossSpec.Default;
        }

        /// <summary>Where parameter <paramref name="parameterIndex"/>'s argument is written, or null when it is left to its default.</summary>
        private LocationInfo? ArgumentWhere(AttributeSyntax? syntax, IMethodSymbol? ctor, int parameterIndex)
        {
            if (!_withLocations || syntax?.ArgumentList is null || ctor is null) return null;
            string paramName = ctor.Parameters[parameterIndex].Name;
            int positional = 0;
            foreach (var arg in syntax.ArgumentList.Arguments)
            {
                if (arg.NameEquals is not null) continue;
                if (arg.NameColon is not null)
                {
                    if (arg.NameColon.Name.Identifier.ValueText == paramName) return LocationInfo.From(arg);
                    // A named argument still takes up its position: C# allows one in its own position
                    // followed by positional ones (Conv2d(inChannels: 1, 8, 3)); out of position, none may follow.
                    positional++;
                    continue;
                }
                if (positional == parameterIndex) return LocationInfo.From(arg);
                positional++;
            }
            return null;
        }

        public static bool HasAttribute(INamedTypeSymbol symbol, string metadataName)
            => symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

        public static bool DerivesFrom(INamedTypeSymbol type, string metadataName)
        {
            for (var t = type.BaseType; t is not null; t = t.BaseType)
                if (t.ToDisplayString() == metadataName) return true;
            return false;
        }

        /// <summary>An identifier as C# source needs it: a keyword used as a name keeps its '@' (class @class).</summary>
        public static string Identifier(string name)
            => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) is SyntaxKind.NameOfKeyword
                ? "@" + name : name;

        private static string NamespaceText(INamespaceSymbol ns)
        {
            var parts = new List<string>();
            for (var n = ns; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace) parts.Insert(0, Identifier(n.Name));
            return string.Join(".", parts);
        }

        private static string Keyword(INamedTypeSymbol t) => t.TypeKind switch
        {
            TypeKind.Struct => t.IsRecord ? "record struct" : "struct",
            TypeKind.Interface => "interface",
            _ => t.IsRecord ? "record" : "class",
        };

        private static string Accessibility(Microsoft.CodeAnalysis.Accessibility a) => a switch
        {
            Microsoft.CodeAnalysis.Accessibility.Public => "public",
            Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
            Microsoft.CodeAnalysis.Accessibility.Private => "private",
            Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
            Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
            Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
            _ => "internal",
        };
    }
}
