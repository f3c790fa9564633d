using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CnnGen.CodeFixes
{
    /// <summary>CNN0010: an attribute that is not a layer CnnGen knows but is close to one: <c>[Relu]</c> → <c>[ReLU]</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RenameLayerCodeFix)), Shared]
    public sealed class RenameLayerCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnknownLayer);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue(DiagnosticIds.SuggestionKey, out var suggestion) || string.IsNullOrEmpty(suggestion))
                    continue;
                AttributeRewrite.Register(context, diagnostic, $"Rename to {suggestion}", (attribute, _) =>
                {
                    // In a qualified name (CnnGen.Relu) only the last part is the layer's name.
                    var name = attribute.Name is QualifiedNameSyntax qualified ? qualified.Right : attribute.Name;
                    var renamed = SyntaxFactory.IdentifierName(suggestion!).WithTriviaFrom(name);
                    return attribute.ReplaceNode(name, renamed);
                });
            }
            return Task.CompletedTask;
        }
    }
}
