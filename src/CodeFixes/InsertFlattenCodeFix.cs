using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace CnnGen.CodeFixes
{
    /// <summary>
    /// CNN0007: a Linear or BatchNorm1d receives a spatial tensor. Inserts <c>[Flatten]</c> just before the layer: as an
    /// attribute list of its own on the line above, or before it inside the same list when the list holds more layers.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertFlattenCodeFix)), Shared]
    public sealed class InsertFlattenCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MissingFlatten);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
                return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue(DiagnosticIds.InsertBeforeKey, out var layer) || string.IsNullOrEmpty(layer))
                    continue;
                var attribute = AttributeArguments.Enclosing(root, diagnostic.Location.SourceSpan);
                if (attribute?.Parent is not AttributeListSyntax list)
                    continue;
                string title = $"Insert [{layer}] before this layer";
                context.RegisterCodeFix(
                    CodeAction.Create(title, token => ApplyAsync(context.Document, list, attribute, layer!, token), equivalenceKey: title),
                    diagnostic);
            }
        }

        private static async Task<Document> ApplyAsync(Document document, AttributeListSyntax list, AttributeSyntax attribute,
            string layer, CancellationToken token)
        {
            var root = await document.GetSyntaxRootAsync(token).ConfigureAwait(false);
            if (root is null || list.Parent is null)
                return document;
            var inserted = Attribute(IdentifierName(layer));
            if (list.Attributes.Count > 1)
            {
                var attributes = list.Attributes.Insert(list.Attributes.IndexOf(attribute), inserted);
                return document.WithSyntaxRoot(root.ReplaceNode(list, list.WithAttributes(attributes)));
            }

            // A list of its own: it takes the old list's leading trivia (comments, indentation) and the old list keeps
            // only the indentation of its line.
            // A list on a line of its own ends in the line break (its trailing trivia); the new one copies it.
            var leading = list.GetLeadingTrivia();
            var lineBreak = list.GetTrailingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            bool ownLine = lineBreak.IsKind(SyntaxKind.EndOfLineTrivia);
            var indentation = TriviaList(leading.Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse());
            var newList = AttributeList(SingletonSeparatedList(inserted))
                .WithLeadingTrivia(leading)
                .WithTrailingTrivia(ownLine ? lineBreak : Space);
            var kept = list.WithLeadingTrivia(ownLine ? indentation : TriviaList());
            return document.WithSyntaxRoot(root.ReplaceNode(list, new SyntaxNode[] { newList, kept }));
        }
    }
}
