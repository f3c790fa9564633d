using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CnnGen.CodeFixes.Tests
{
    /// <summary>
    /// TEST-ONLY stand-in for CnnGen.Generator.NetworkAnalyzer until that analyzer is merged into main: it reports one
    /// diagnostic id, with the <c>Diagnostic.Properties</c> and at the location the analyzer's contract specifies, wherever
    /// <see cref="Rule"/> finds it in the test source. It infers no shapes; each test states the fitting value itself.
    /// At the merge the tests switch to the real analyzer and this file is deleted.
    /// </summary>
    // RS1001 wants [DiagnosticAnalyzer] so a host can discover the analyzer; this one is never discovered, each test
    // constructs it with its rule (and the attribute would bring the rules for shipped analyzers into a test project).
#pragma warning disable RS1001
    internal sealed class ContractAnalyzer : DiagnosticAnalyzer
#pragma warning restore RS1001
    {
        /// <summary>Where a diagnostic goes, given a class or an attribute; null where there is none.</summary>
        public delegate Location? Rule(SyntaxNode node);

        private readonly DiagnosticDescriptor descriptor;
        private readonly Rule rule;
        private readonly ImmutableDictionary<string, string?> properties;

        public ContractAnalyzer(string id, Rule rule, params (string Key, string Value)[] properties)
        {
            // CNN0008 is the one warning among the ids the fixes handle.
            var severity = id == "CNN0008" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error;
            descriptor = new DiagnosticDescriptor(id, id, "{0}", "CnnGen", severity, isEnabledByDefault: true);
            this.rule = rule;
            this.properties = properties.ToImmutableDictionary(p => p.Key, p => (string?)p.Value);
        }

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(descriptor);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSyntaxNodeAction(Analyze, SyntaxKind.ClassDeclaration, SyntaxKind.Attribute);
        }

        private void Analyze(SyntaxNodeAnalysisContext context)
        {
            var location = rule(context.Node);
            if (location is not null)
                context.ReportDiagnostic(Diagnostic.Create(descriptor, location, properties, "stand-in for NetworkAnalyzer"));
        }

        // ---- Rules the tests use ----

        /// <summary>The identifier of a class that carries [Network] and lacks <c>partial</c>.</summary>
        public static Location? NonPartialNetwork(SyntaxNode node)
            => node is ClassDeclarationSyntax type && !type.Modifiers.Any(SyntaxKind.PartialKeyword)
               && type.AttributeLists.SelectMany(l => l.Attributes).Any(a => Named(a, "Network"))
                ? type.Identifier.GetLocation() : null;

        /// <summary>An attribute named <paramref name="name"/> for which <paramref name="wrong"/> holds.</summary>
        public static Rule Attribute(string name, Func<AttributeSyntax, bool> wrong)
            => node => node is AttributeSyntax a && Named(a, name) && wrong(a) ? a.GetLocation() : null;

        /// <summary>The name of an attribute named <paramref name="name"/>.</summary>
        public static Rule AttributeName(string name)
            => node => node is AttributeSyntax a && Named(a, name) ? a.Name.GetLocation() : null;

        /// <summary>
        /// The argument expression of an attribute named <paramref name="name"/> that binds to <paramref name="parameter"/>
        /// (named, or at <paramref name="position"/>) when it reads <paramref name="wrong"/>.
        /// </summary>
        public static Rule Argument(string name, string parameter, int position, string wrong) => node =>
        {
            if (node is not AttributeSyntax a || !Named(a, name))
                return null;
            var arguments = a.ArgumentList?.Arguments.ToList() ?? new();
            var argument = arguments.FirstOrDefault(x => x.NameColon?.Name.Identifier.ValueText == parameter)
                ?? (position < arguments.Count && arguments[position].NameColon is null ? arguments[position] : null);
            return argument?.Expression.ToString() == wrong ? argument.Expression.GetLocation() : null;
        };

        /// <summary>Whether the layer written just before <paramref name="a"/> on the same class is <paramref name="name"/>.</summary>
        public static bool PrecededBy(AttributeSyntax a, string name)
        {
            var layers = a.Parent!.Parent!.ChildNodes().OfType<AttributeListSyntax>().SelectMany(l => l.Attributes).ToList();
            int index = layers.IndexOf(a);
            return index > 0 && Named(layers[index - 1], name);
        }

        private static bool Named(AttributeSyntax a, string name)
            => (a.Name is QualifiedNameSyntax q ? q.Right.Identifier.ValueText : a.Name.ToString()) == name;
    }
}
