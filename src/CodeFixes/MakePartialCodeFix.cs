using System.Collections.Generic;
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

namespace CnnGen.CodeFixes
{
    /// <summary>
    /// CNN0001: the generator writes the other half of the network class, so the class and every type it is
    /// nested in must be <c>partial</c>. Not offered when they all are (the class is generic: no edit fixes that).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
    public sealed class MakePartialCodeFix : CodeFixProvider
    {
        private const string Title = "Make the class partial";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NotPartial);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
                return;
            foreach (var diagnostic in context.Diagnostics)
            {
                var type = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
                if (type is null || !NotPartial(type).Any())
                    continue;
                context.RegisterCodeFix(
                    CodeAction.Create(Title, token => ApplyAsync(context.Document, type, token), equivalenceKey: Title),
                    diagnostic);
            }
        }

        private static async Task<Document> ApplyAsync(Document document, TypeDeclarationSyntax type, CancellationToken token)
        {
            var root = await document.GetSyntaxRootAsync(token).ConfigureAwait(false);
            if (root is null)
                return document;
            return document.WithSyntaxRoot(root.ReplaceNodes(NotPartial(type), (_, rewritten) => AddPartial(rewritten)));
        }

        /// <summary>The type and the types it is nested in that lack <c>partial</c>.</summary>
        private static IEnumerable<TypeDeclarationSyntax> NotPartial(TypeDeclarationSyntax type)
            => type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>()
                .Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword));

        /// <summary>
        /// <c>partial</c> goes last among the modifiers, just before the keyword. With no modifiers it takes over the
        /// keyword's leading trivia, so the line keeps its indentation.
        /// </summary>
        private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
        {
            var keyword = type.Keyword;
            if (type.Modifiers.Count == 0)
            {
                var partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
                return type.WithKeyword(keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partial));
            }
            return type.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }
    }
}
