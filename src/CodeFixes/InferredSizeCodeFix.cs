using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace CnnGen.CodeFixes
{
    /// <summary>
    /// Turns an inferred size into the written one and back: CNN0015 (<c>[Linear(128)]</c>, inFeatures inferred as 3136)
    /// offers <c>[Linear(3136, 128)]</c>; CNN0017 (<c>[Linear(3136, 128)]</c>, 3136 being what arrives) offers
    /// <c>[Linear(128)]</c>. The inferred size is the first parameter of the explicit constructor and the overload
    /// that infers it takes the rest in the same order, so writing it out means adding it first, and inferring it
    /// means removing the argument that binds to it.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InferredSizeCodeFix)), Shared]
    public sealed class InferredSizeCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DiagnosticIds.SizeInferred, DiagnosticIds.SizeInferable);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!DiagnosticIds.TryGetArgument(diagnostic, out var parameter, out var value))
                    continue;
                if (diagnostic.Id == DiagnosticIds.SizeInferred)
                    AttributeRewrite.Register(context, diagnostic, $"Write {parameter}: {value}", (attribute, _) => WriteOut(attribute, value));
                else
                    AttributeRewrite.Register(context, diagnostic, $"Infer {parameter} ({value})", (attribute, model) => Infer(attribute, parameter, model));
            }
            return Task.CompletedTask;
        }

        private static AttributeSyntax WriteOut(AttributeSyntax attribute, string value)
        {
            var argument = AttributeArgument(AttributeArguments.Literal(value));
            var list = attribute.ArgumentList ?? AttributeArgumentList();
            return attribute.WithArgumentList(list.WithArguments(list.Arguments.Insert(0, argument)));
        }

        private static AttributeSyntax Infer(AttributeSyntax attribute, string parameter, SemanticModel model)
        {
            var written = AttributeArguments.Find(attribute, parameter, model);
            if (written is null || attribute.ArgumentList is null)
                return attribute;
            var rest = attribute.ArgumentList.Arguments.Remove(written);
            // [BatchNorm2d(64)] → [BatchNorm2d], as a parameterless attribute is usually written.
            return rest.Count == 0
                ? attribute.WithArgumentList(null).WithTriviaFrom(attribute)
                : attribute.WithArgumentList(attribute.ArgumentList.WithArguments(rest));
        }
    }
}
