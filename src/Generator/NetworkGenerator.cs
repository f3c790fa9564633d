using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Emit;
using CnnGen.Generator.Lowering;
using CnnGen.Generator.Model;
using CnnGen.Generator.Parsing;
using CnnGen.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator
{
    /// <summary>
    /// The CnnGen source generator. For each class marked [Network]: parse the layer attributes (and the blocks they
    /// use) into a <see cref="NetworkSpec"/> without source locations (cached, equatable: moving lines changes
    /// nothing), infer shapes, lower to an <see cref="ExecutionPlan"/> and emit the network's generated half.
    /// A network with errors gets no code; <see cref="NetworkAnalyzer"/> reports why, at the attribute that caused
    /// it (analyzer diagnostics can be suppressed with #pragma, generator diagnostics cannot). The generator never
    /// throws into the compiler: an unexpected failure becomes CNN0099.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        /// <summary>Tracking names for the incremental-caching tests.</summary>
        public static class TrackingNames
        {
            public const string Spec = "NetworkSpec";
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var specs = context.SyntaxProvider.ForAttributeWithMetadataName(
                    NetworkParser.NetworkAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    static (ctx, ct) => SafeParse(ctx, ct))
                .WithTrackingName(TrackingNames.Spec);

            context.RegisterSourceOutput(specs, static (spc, result) => Produce(spc, result));
        }

        /// <summary>The names of the members the generated network class declares (parsed back from the generated source).</summary>
        private static IEnumerable<string> GeneratedMemberNames(string source)
        {
            var root = CSharpSyntaxTree.ParseText(source).GetRoot();
            var network = root.DescendantNodes().OfType<ClassDeclarationSyntax>().Last(c => c.BaseList is not null);
            foreach (var member in network.Members)
            {
                switch (member)
                {
                    case FieldDeclarationSyntax f: foreach (var v in f.Declaration.Variables) yield return v.Identifier.ValueText; break;
                    case MethodDeclarationSyntax m: yield return m.Identifier.ValueText; break;
                    case PropertyDeclarationSyntax p: yield return p.Identifier.ValueText; break;
                    case BaseTypeDeclarationSyntax t: yield return t.Identifier.ValueText; break;
                }
            }
        }

        /// <summary>The result of parsing one [Network] class: a spec, or an internal error as text.</summary>
        private sealed record ParseResult(NetworkSpec? Spec, string? Error, string ClassName);

        private static ParseResult SafeParse(GeneratorAttributeSyntaxContext ctx, System.Threading.CancellationToken ct)
        {
            try
            {
                return new ParseResult(NetworkParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0], withLocations: false, ct), null, ctx.TargetSymbol.Name);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                return new ParseResult(null, e.GetType().Name + ": " + e.Message, ctx.TargetSymbol.Name);
            }
        }

        private static void Produce(SourceProductionContext spc, ParseResult result)
        {
            if (result.Spec is null)
            {
                spc.ReportDiagnostic(Diagnostic.Create(Descriptors.InternalError, Location.None, result.ClassName, result.Error));
                return;
            }
            try
            {
                var plan = ShapeInference.Infer(result.Spec);
                // A network with errors gets no code: the analyzer reports them, and half-right code would only add noise.
                if (plan.HasErrors) return;
                string source = NetworkEmitter.Emit(ExecutionPlan.Lower(plan));
                // A user member named like one the generated half declares (a field _input, a method Forward) would make
                // the generated code fail to compile: say which instead.
                var generated = GeneratedMemberNames(source).ToList();
                var clashes = generated.Intersect(result.Spec.UserMemberNames).ToList();
                string bareName = result.Spec.ClassName.TrimStart('@');
                if (clashes.Count > 0 || generated.Contains(bareName))
                {
                    string what = clashes.Count > 0
                        ? $"declares {string.Join(", ", clashes.Select(c => "'" + c + "'"))}, which CnnGen generates inside it: rename {(clashes.Count == 1 ? "it" : "them")}"
                        : "has the name of a member CnnGen generates inside it: rename the class";
                    spc.ReportDiagnostic(Diagnostic.Create(Descriptors.NotPartial, Location.None, $"Network class '{bareName}' {what}"));
                    return;
                }
                spc.AddSource(result.Spec.HintName, SourceText.From(source, Encoding.UTF8));
            }
            catch (Exception e)
            {
                spc.ReportDiagnostic(Diagnostic.Create(Descriptors.InternalError, Location.None, result.ClassName, e.GetType().Name + ": " + e.Message));
            }
        }
    }
}
