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
    /// Turns a [Network] class into a <see cref="NetworkSpec"/>: plain data, no symbols or syntax, so the
    /// rest of the pipeline is cacheable and testable without a compilation.
    /// </summary>
    internal static class NetworkParser
    {
        public const string NetworkAttributeName = "CnnGen.NetworkAttribute";
        public const string LayerAttributeBaseName = "CnnGen.LayerAttribute";

        /// <summary>The layer attribute classes the generator knows, by metadata name.</summary>
        public static readonly ImmutableArray<string> KnownLayerAttributes = ImmutableArray.Create(
            "CnnGen.Conv2dAttribute", "CnnGen.MaxPool2dAttribute", "CnnGen.AvgPool2dAttribute",
            "CnnGen.AdaptiveAvgPool2dAttribute", "CnnGen.BatchNorm2dAttribute", "CnnGen.BatchNorm1dAttribute",
            "CnnGen.LinearAttribute", "CnnGen.FlattenAttribute", "CnnGen.DropoutAttribute", "CnnGen.ReLUAttribute",
            "CnnGen.SigmoidAttribute", "CnnGen.TanhAttribute", "CnnGen.LeakyReLUAttribute");

        public static NetworkSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            var diagnostics = new List<DiagnosticInfo>();
            var classNameLocation = LocationInfo.From(declaration.Identifier.GetLocation());

            CheckDeclaration(symbol, declaration, classNameLocation, diagnostics);

            // The [Network] arguments: channels, height, width.
            var networkData = context.Attributes[0];
            var networkSyntax = networkData.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            var networkLocation = LocationInfo.From(networkSyntax);
            int channels = 0, height = 0, width = 0;
            if (networkData.AttributeConstructor is null || networkData.ConstructorArguments.Length != 3
                || networkData.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadInput, networkLocation,
                    $"[Network] on '{symbol.Name}' needs the input shape: [Network(channels, height, width)], e.g. [Network(1, 28, 28)] for MNIST"));
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
                        diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadInput,
                            ArgumentLocation(networkSyntax, networkData.AttributeConstructor, i) ?? networkLocation,
                            $"[Network] input {names[i]} of '{symbol.Name}' must be positive, but is {values[i]}"));
                    }
                }
                channels = values[0]; height = values[1]; width = values[2];
            }

            var layers = ReadLayers(symbol, declaration, networkSyntax, cancellationToken);
            if (layers.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadInput, networkLocation,
                    $"Network '{symbol.Name}' has no layers: add layer attributes after [Network], e.g. [Conv2d(1, 32, 3)] [ReLU] [Flatten] [Linear(…, 10)]"));
            }

            var containing = new List<ContainingType>();
            for (var t = symbol.ContainingType; t is not null; t = t.ContainingType)
                containing.Insert(0, new ContainingType(Keyword(t), t.Name));

            return new NetworkSpec(
                symbol.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                symbol.Name,
                Accessibility(symbol.DeclaredAccessibility),
                EquatableArray.From(containing),
                channels, height, width,
                EquatableArray.From(layers),
                networkLocation,
                classNameLocation,
                EquatableArray.From(diagnostics));
        }

        private static void CheckDeclaration(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.NotPartial, location,
                    $"Network class '{symbol.Name}' must be declared partial so that CnnGen can add its generated members: write 'partial class {symbol.Name}'"));
            }
            if (symbol.TypeParameters.Length > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.NotPartial, location,
                    $"Network class '{symbol.Name}' must not be generic: its shapes are fixed at compile time"));
            }
            for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
            {
                if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.NotPartial, location,
                        $"Network class '{symbol.Name}' is nested in '{parent.Identifier.Text}', which must also be declared partial"));
                }
                if (parent.TypeParameterList is { Parameters.Count: > 0 })
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.NotPartial, location,
                        $"Network class '{symbol.Name}' must not be nested in the generic type '{parent.Identifier.Text}'"));
                }
            }
        }

        /// <summary>
        /// The layer attributes in source order (layer order is meaning). Attributes on the declaration that
        /// carries [Network] come first, in the order written; other partial declarations follow by file.
        /// An attribute whose type the compiler cannot resolve, sitting between layer attributes, is kept as
        /// an <see cref="LayerKind.Unknown"/> layer so later shapes are not checked against a wrong index; so is
        /// one written after [Network] on the same declaration (a misspelled first or last layer, [Conv2D(…)]),
        /// which would otherwise vanish and leave every later layer checked against the wrong shape.
        /// </summary>
        private static List<LayerSpec> ReadLayers(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, AttributeSyntax? networkSyntax, CancellationToken cancellationToken)
        {
            var candidates = new List<(AttributeData Data, AttributeSyntax? Syntax, bool IsLayer)>();
            foreach (var data in symbol.GetAttributes())
            {
                var cls = data.AttributeClass;
                if (cls is null) continue;
                bool isLayer = DerivesFrom(cls, LayerAttributeBaseName);
                bool unresolved = cls.TypeKind == TypeKind.Error;
                if (!isLayer && !unresolved) continue;
                candidates.Add((data, data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax, isLayer));
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
                if (!isLayer && (i < first || i > last) && !AfterNetwork(syntax)) continue;
                layers.Add(ReadLayer(layers.Count, data, syntax));
            }
            return layers;

            bool AfterNetwork(AttributeSyntax? syntax)
                => syntax is not null && networkSyntax is not null && syntax.SyntaxTree == networkSyntax.SyntaxTree
                    && syntax.SpanStart > networkSyntax.SpanStart;
        }

        private static LayerSpec ReadLayer(int index, AttributeData data, AttributeSyntax? syntax)
        {
            var location = LocationInfo.From(syntax);
            string name = data.AttributeClass?.Name ?? "?";
            if (name.EndsWith("Attribute")) name = name.Substring(0, name.Length - "Attribute".Length);
            if (data.AttributeClass is { TypeKind: TypeKind.Error } && syntax is not null)
                name = syntax.Name.ToString();

            var kind = LayerKind.Unknown;
            string metadataName = data.AttributeClass?.ToDisplayString() ?? "";
            if (KnownLayerAttributes.Contains(metadataName) && System.Enum.TryParse(name, out LayerKind parsed))
                kind = parsed;

            var args = new List<LayerArg>();
            var ctor = data.AttributeConstructor;
            if (kind != LayerKind.Unknown)
            {
                // A constructor the compiler could not bind (wrong argument types) leaves nothing to read.
                if (ctor is null || data.ConstructorArguments.Length != ctor.Parameters.Length
                    || data.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error))
                {
                    kind = LayerKind.Unknown;
                }
                else
                {
                    for (int i = 0; i < ctor.Parameters.Length; i++)
                    {
                        var p = ctor.Parameters[i];
                        double value = data.ConstructorArguments[i].Value switch
                        {
                            int v => v,
                            bool b => b ? 1 : 0,
                            double d => d,
                            float f => f,
                            _ => 0,
                        };
                        var argLocation = ArgumentLocation(syntax, ctor, i);
                        args.Add(new LayerArg(p.Name, value, argLocation is not null, argLocation));
                    }
                }
            }
            return new LayerSpec(index, kind, name, EquatableArray.From(args), location);
        }

        /// <summary>Where parameter <paramref name="parameterIndex"/>'s argument is written, or null when it is left to its default.</summary>
        private static LocationInfo? ArgumentLocation(AttributeSyntax? syntax, IMethodSymbol? ctor, int parameterIndex)
        {
            if (syntax?.ArgumentList is null || ctor is null) return null;
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

        private static bool DerivesFrom(INamedTypeSymbol type, string metadataName)
        {
            for (var t = type.BaseType; t is not null; t = t.BaseType)
                if (t.ToDisplayString() == metadataName) return true;
            return false;
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
