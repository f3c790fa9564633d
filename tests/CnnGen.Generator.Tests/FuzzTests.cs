using System;
using System.Globalization;
using System.Linq;
using System.Text;
using CnnGen.Generator.Tests.Infrastructure;
using CsCheck;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests
{
    /// <summary>
    /// Random attribute lists, valid and not: the generator must never throw (an exception would surface as
    /// CS8785 or CNN0099 and the user would get nothing), and every network must come out either as generated
    /// code or with at least one error, from CnnGen or from the compiler.
    /// </summary>
    public class FuzzTests
    {
        private static readonly Gen<string> SmallInt = Gen.Int[1, 64].Select(i => i.ToString(CultureInfo.InvariantCulture));

        /// <summary>One argument: mostly plausible numbers, sometimes hostile ones, wrong types or nonsense.</summary>
        private static readonly Gen<string> Argument = Gen.Frequency(
            (6, SmallInt),
            (2, Gen.OneOfConst("0", "-1", "-64", "1", "2", "3", "0.5", "0.0", "1.0", "1e-5")),
            (1, Gen.OneOfConst("int.MaxValue", "int.MinValue", "int.MaxValue / 2", "-int.MaxValue", "46341", "65536", "1 << 30")),
            (1, Gen.OneOfConst("\"3\"", "null", "true", "false", "'x'", "3L", "2.5f", "double.NaN", "double.PositiveInfinity", "-0.0", "7 * 7 * 64", "nameof(Net)", "System.DayOfWeek.Monday", "new int[] { 1 }", "typeof(int)")));

        private static readonly Gen<string> NamedOrPositional = Gen.Frequency(
            (8, Argument),
            (2, Gen.Select(Gen.OneOfConst("stride", "padding", "dilation", "groups", "bias", "ceilMode", "countIncludePad", "eps", "momentum", "p", "negativeSlope", "kernelSize", "features", "bogus"), Argument,
                (name, value) => name + ": " + value)));

        private static readonly Gen<string> LayerName = Gen.Frequency(
            (10, Gen.OneOfConst("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d", "BatchNorm1d", "Linear", "Flatten", "Dropout", "ReLU", "Sigmoid", "Tanh", "LeakyReLU")),
            (1, Gen.OneOfConst("Conv2D", "Linaer", "Softmax", "Swish", "CnnGen.Linear", "LayerAttribute", "System.Obsolete", "Network")));

        /// <summary>One attribute: a name with no argument list, an empty one, or zero to six arguments.</summary>
        private static readonly Gen<string> Attribute = Gen.Select(LayerName, Gen.Int[0, 2], NamedOrPositional.Array[0, 6],
            (name, form, args) => form == 0 ? name : name + "(" + string.Join(", ", form == 1 ? Array.Empty<string>() : args) + ")");

        private static readonly Gen<string> NetworkAttribute = Gen.Frequency(
            (8, Gen.Select(Gen.Int[1, 3], Gen.Int[1, 32], Gen.Int[1, 32], (c, h, w) => $"Network({c}, {h}, {w})")),
            (2, Gen.Select(Argument, Argument, Argument, (c, h, w) => $"Network({c}, {h}, {w})")),
            (1, Gen.OneOfConst("Network", "Network()", "Network(1, 28)", "Network(1, 28, 28, 4)", "Network(1, 28, 28, MaxParameters = 1000)",
                "Network(1, 8, 8, MaxFlops = -5)", "Network(3, 8, 8, MaxParameters = long.MaxValue, MaxFlops = 1)", "Network(1, 8, 8, MaxFlops = 0, Bogus = 1)")));

        private static readonly Gen<string> Declaration = Gen.FrequencyConst(
            (8, "public partial class Net;"),
            (1, "public class Net { }"),
            (1, "internal partial class Net<T> { }"),
            (1, "partial struct Net { }"),
            (1, "public partial record Net;"));

        /// <summary>Valid networks, as attribute lines, for <see cref="Mutated"/> to start from.</summary>
        private static readonly string[][] ValidNetworks =
        {
            new[] { "Network(1, 28, 28)", "Conv2d(1, 32, 3, padding: 1)", "ReLU", "MaxPool2d(2, 2)", "Conv2d(32, 64, 3, padding: 1)", "ReLU", "MaxPool2d(2, 2)", "Flatten", "Linear(7 * 7 * 64, 128)", "ReLU", "Dropout(0.5)", "Linear(128, 10)" },
            new[] { "Network(1, 28, 28)", "Conv2d(1, 6, 5)", "ReLU", "MaxPool2d(2, 2)", "BatchNorm2d(6)", "Conv2d(6, 12, 5)", "ReLU", "MaxPool2d(2, 2)", "Flatten", "Linear(192, 120)", "ReLU", "BatchNorm1d(120)", "Linear(120, 60)", "ReLU", "Linear(60, 10)" },
            new[] { "Network(3, 16, 16)", "Conv2d(3, 12, 3, stride: 2, padding: 1, groups: 3)", "LeakyReLU(0.1)", "AvgPool2d(2, ceilMode: true, countIncludePad: false)", "Sigmoid", "Flatten", "Linear(192, 10)" },
            new[] { "Network(2, 9, 9)", "Conv2d(2, 4, 3, dilation: 2)", "Tanh", "AdaptiveAvgPool2d(2, 2)", "Flatten", "Linear(16, 3, bias: false)" },
            new[] { "Network(1, 8, 8)", "Flatten", "Linear(64, 10)" },
            new[] { "Network(1, 28, 28, MaxParameters = 500_000)", "Conv2d(1, 8, 3)", "BatchNorm2d", "ReLU", "Flatten", "Linear(32)", "BatchNorm1d(eps: 1e-3)", "Linear(10)" },
        };

        /// <summary>A valid network, left alone or with one line replaced, removed, added or moved.</summary>
        private static readonly Gen<string[]> Mutated = Gen.Select(Gen.Int[0, ValidNetworks.Length - 1], Gen.Int[0, 4], Gen.Int[0, 99], Gen.Int[0, 99], Attribute,
            (which, mutation, i, j, attribute) =>
            {
                var lines = ValidNetworks[which].ToList();
                int a = i % lines.Count, b = j % lines.Count;
                switch (mutation)
                {
                    case 1: lines[a] = attribute; break;
                    case 2: lines.RemoveAt(a); break;
                    case 3: lines.Insert(a, attribute); break;
                    case 4: (lines[a], lines[b]) = (lines[b], lines[a]); break;
                }
                return lines.ToArray();
            });

        private static string File(string[] attributes, string declaration)
        {
            var sb = new StringBuilder("using CnnGen;\n\nnamespace Fuzz;\n\n");
            foreach (var a in attributes) sb.Append('[').Append(a).Append("]\n");
            sb.Append(declaration).Append('\n');
            return sb.ToString();
        }

        /// <summary>0–2 [Network] attributes placed among 0–9 random layer attributes, in random order.</summary>
        private static readonly Gen<string> RandomFile = Gen.Select(NetworkAttribute.Array[0, 2], Attribute.Array[0, 9], Gen.Int[0, 9], Declaration,
            (networks, layers, networkPosition, declaration) =>
            {
                var all = layers.ToList();
                foreach (var n in networks) all.Insert(Math.Min(networkPosition, all.Count), n);
                return File(all.ToArray(), declaration);
            });

        /// <summary>A whole source file: a mutated valid network, or a random one (static fields initialise in order: this comes last).</summary>
        private static readonly Gen<string> Source = Gen.Frequency(
            (2, Gen.Select(Mutated, Declaration, (lines, declaration) => File(lines, declaration))),
            (3, RandomFile));

        [Fact]
        public void Random_attribute_lists_never_crash_and_always_yield_code_or_an_error()
        {
            int generated = 0, compiledClean = 0;
            Source.Sample(source =>
            {
                var run = GeneratorHarness.RunGeneratorOnly(source);
                Assert.False(run.GeneratorDiagnostics.Any(d => d.Id is "CS8785" or "CNN0099"),
                    "The generator failed:\n" + GeneratorHarness.Describe(run.GeneratorDiagnostics) + "\n" + source);

                // Only a [Network] class, partial or not, is a network. Struct and record declarations are not
                // classes, so the generator does not look at them (and C# rejects [Network] on a struct).
                bool isNetwork = source.Contains("[Network", StringComparison.Ordinal) && source.Contains("class Net", StringComparison.Ordinal);
                bool cnnError = run.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
                bool compilerError = run.InputCompilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
                Assert.True(run.Sources.Length <= 1, source);
                if (isNetwork)
                    Assert.True(run.Sources.Length == 1 || cnnError || compilerError,
                        "Neither code nor an error for:\n" + source + "\n" + GeneratorHarness.Describe(run.GeneratorDiagnostics));
                else
                    Assert.Empty(run.Sources);
                // Code comes only without CnnGen errors.
                if (run.Sources.Length == 1) Assert.False(cnnError, source);

                if (run.Sources.Length == 1 && !compilerError)
                {
                    lock (this) generated++;
                    // Compiling is the slow part: check the generated code of the first valid networks found.
                    bool check;
                    lock (this) check = compiledClean < 12 && ++compiledClean > 0;
                    if (check)
                    {
                        var errors = run.OutputCompilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
                        Assert.True(errors.Count == 0, "Generated code does not compile cleanly:\n" + GeneratorHarness.Describe(errors) + "\n" + source);
                    }
                }
            }, iter: 400, threads: 1);
            // The generator of inputs must produce valid networks too, or the test would only ever see errors.
            Assert.True(generated > 0, "no random network was valid");
        }

        [Theory]
        [InlineData("[Network(int.MaxValue, int.MaxValue, int.MaxValue)]\n[Flatten]\n[Linear(784, 10)]")]
        [InlineData("[Network(1, 65536, 65536)]\n[Conv2d(1, 65536, 1)]\n[Flatten]\n[Linear(10, 10)]")]
        [InlineData("[Network(1, 28, 28)]\n[Conv2d(1, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, 1)]\n[Flatten]\n[Linear(10, 10)]")]
        [InlineData("[Network(1, 28, 28)]\n[MaxPool2d(int.MaxValue, int.MaxValue, int.MaxValue / 2, true, int.MaxValue)]\n[Flatten]\n[Linear(10, 10)]")]
        [InlineData("[Network(1, 28, 28)]\n[AdaptiveAvgPool2d(int.MaxValue, int.MaxValue)]\n[Flatten]\n[Linear(10, 10)]")]
        [InlineData("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, int.MaxValue)]\n[Linear(int.MaxValue, 10)]")]
        [InlineData("[Network(1, 28, 28)]\n[Conv2d(1, 8, 3, dilation: int.MaxValue)]\n[Flatten]\n[Linear(10, 10)]")]
        [InlineData("[Network(1, 28, 28)]\n[Conv2d(int.MinValue, 8, 3, groups: -1)]\n[Flatten]\n[Linear(10, 10)]")]
        [InlineData("[Network(1, 28, 28)]\n[Flatten]\n[Dropout(double.NaN)]\n[BatchNorm1d(784, eps: double.NaN, momentum: double.NaN)]\n[Linear(784, 10)]")]
        public void Hostile_numbers_are_reported_not_thrown(string attributes)
        {
            var run = GeneratorHarness.RunGeneratorOnly("using CnnGen;\nnamespace Fuzz;\n" + attributes + "\npublic partial class Net;\n");
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "CS8785" or "CNN0099");
            bool anyError = run.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)
                || run.InputCompilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
            Assert.True(anyError, GeneratorHarness.Describe(run.GeneratorDiagnostics));
            Assert.Empty(run.Sources);
        }

        [Fact]
        public void Duplicated_network_attribute_is_the_compilers_error()
        {
            var run = GeneratorHarness.RunGeneratorOnly("using CnnGen;\nnamespace Fuzz;\n[Network(1, 28, 28)]\n[Network(3, 8, 8)]\n[Flatten]\n[Linear(784, 10)]\npublic partial class Net;\n");
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "CS8785" or "CNN0099");
            Assert.Contains(run.InputCompilation.GetDiagnostics(), d => d.Id == "CS0579"); // duplicate attribute
        }

        [Fact]
        public void Absurd_dilation_and_padding_finish_with_a_warning()
        {
            // Every tap falls outside the 28 rows; the CNN0008 hint once tried each of ~10⁹ paddings.
            var run = GeneratorHarness.RunGeneratorOnly("using CnnGen;\nnamespace Fuzz;\n[Network(1, 28, 28)]\n"
                + "[Conv2d(1, 1, 2, padding: int.MaxValue / 4, dilation: int.MaxValue / 2)]\n[Flatten]\n[Linear(27 * 27, 10)]\npublic partial class Net;\n");
            var warning = Assert.Single(run.GeneratorDiagnostics);
            Assert.Equal("CNN0008", warning.Id);
            Assert.Equal("Conv2d [0] leaves 28 rows and 28 columns of its 1×28×28 input unread (output 27×27): choose a kernel and stride that tile the input",
                warning.GetMessage(CultureInfo.InvariantCulture));
        }

        // ---- Names and declarations (issue 13): whatever the user names things, generated code compiles or is not emitted ----

        private static readonly Gen<string> ClassName = Gen.FrequencyConst((8, "Net"), (1, "@class"), (1, "@namespace"), (1, "Shapes"), (1, "Summary"), (1, "Predict"),
            (1, "Parameters"), (1, "FloatBuffer"), (1, "Cpu"), (1, "CnnGen"), (1, "global"), (1, "Conv2dKernel"), (1, "x"), (1, "n"), (1, "_input"));

        private static readonly Gen<string> NamespaceLine = Gen.FrequencyConst((6, "namespace Fuzz;"), (1, "namespace @namespace;"), (1, "namespace Fuzz.CnnGen;"),
            (1, "namespace Fuzz.Cpu;"), (1, ""), (1, "namespace System;"));

        private static readonly Gen<string> Modifiers = Gen.FrequencyConst((6, "public partial class"), (2, "internal sealed partial class"),
            (1, "public static partial class"), (1, "file partial class"), (1, "public partial record"), (2, "partial class"), (1, "public abstract partial class"));

        /// <summary>User members: none, ones named like generated members, or a type that shadows a runtime type.</summary>
        private static readonly Gen<string> Extra = Gen.OneOfConst(
            "", "public void Predict() { }", "public int Shapes => 1;", "private int _input;", "public override string ToString() => \"x\";",
            "public int Save;", "public static int Summary = 3;");

        private static readonly Gen<string> SiblingType = Gen.OneOfConst(
            "", "public struct FloatBuffer { }", "public class IntBuffer { }", "public static class Cpu { }", "public class Parameter { }",
            "public enum Epilogue { None }", "public class CnnGen { }");

        private static readonly Gen<string> Body = Gen.OneOfConst(
            "[Network(1, 8, 8)]\n[Conv2d(1, 4, 3, padding: 1)]\n[ReLU]\n[Flatten]\n[Linear(256, 10)]",
            "[Network(4, 8, 8)]\n[Residual<B>]\n[ReLU]\n[Concat<B, B>]\n[Flatten]\n[Linear(512, 10)]",
            "[Network(4, 8, 8)]\n[Sequential<B>]\n[Residual<B, B>]\n[AdaptiveAvgPool2d(1, 1)]\n[Flatten]\n[Linear(4, 3)]\n[Dropout(0.1)]",
            "[Network(4, 8, 8)]\n[BatchNorm2d(4, eps: 1e300)]\n[Flatten]\n[Linear(256, 10)]",
            "[Network(4, 8, 8)]\n[BatchNorm2d(4, eps: 1e-50)]\n[Flatten]\n[Linear(256, 10)]",
            "[Network(1, 65536, 65536)]\n[Flatten]\n[Linear(10, 10)]",
            "[Network(4, 8, 8)]\n[Flatten]\n[Linear(256, 10)]\n[MSELoss]",
            "[Network(4, 8, 8)]\n[Flatten]\n[Linear(256, 3)]\n[CrossEntropyLoss(0.1, new[] { 1f, 2f, 3f })]",
            "[Network(4, 8, 8)]\n[Flatten]\n[Linear(256, 3)]\n[CrossEntropyLoss(0.1, new[] { 1f, 2f })]");

        private static readonly Gen<string> NamedFile = Gen.Select(NamespaceLine, Gen.Select(Modifiers, ClassName, Extra, (m, c, e) => (m, c, e)), SiblingType, Body,
            (ns, decl, sibling, body) =>
                "using CnnGen;\n\n" + ns + "\n\n[Block]\n[Conv2d(4, 4, 3, padding: 1)]\npublic partial class B;\n\n" + sibling + "\n\n" + body
                + $"\n{decl.m} {decl.c}\n{{\n    {decl.e}\n}}\n");

        [Fact]
        public void Random_names_and_declarations_yield_compiling_code_or_a_diagnostic()
        {
            int generated = 0;
            NamedFile.Sample(source =>
            {
                var run = GeneratorHarness.RunGeneratorOnly(source);
                Assert.False(run.GeneratorDiagnostics.Any(d => d.Id is "CS8785" or "CNN0099" or "AD0001"),
                    "The generator or analyzer failed:\n" + GeneratorHarness.Describe(run.GeneratorDiagnostics) + "\n" + source);
                if (run.Sources.Length == 0) return;
                lock (this) generated++;
                var inGenerated = run.OutputCompilation.GetDiagnostics()
                    .Where(d => d.Severity == DiagnosticSeverity.Error && (d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) ?? false))
                    .ToList();
                Assert.True(inGenerated.Count == 0, "Generated code does not compile:\n" + GeneratorHarness.Describe(inGenerated) + "\n" + source);
            }, iter: 150, threads: 1);
            Assert.True(generated > 5, $"only {generated} named networks generated code");
        }

        [Theory]
        [InlineData("public static partial class Net;", "must not be static")]
        [InlineData("public partial record Net;", "not a record")]
        [InlineData("file partial class Net;", "'file' class")]
        [InlineData("public partial class Shapes;", "name of a member CnnGen generates")]
        [InlineData("public partial class Net { public void Predict() { } }", "declares 'Predict'")]
        [InlineData("public partial class Net { private void ForwardInference(int n) { } }", "declares 'ForwardInference'")]
        [InlineData("public partial class Net { private const long InferenceFloatsPerSample = 1; }", "declares 'InferenceFloatsPerSample'")]
        public void Declarations_the_generator_cannot_complete_are_CNN0001(string declaration, string expected)
        {
            var run = GeneratorHarness.RunGeneratorOnly("using CnnGen;\nnamespace Fuzz;\n[Network(1, 8, 8)]\n[Flatten]\n[Linear(64, 10)]\n" + declaration + "\n");
            var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "CNN0001");
            Assert.Contains(expected, d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Assert.Empty(run.Sources);
        }

        [Fact]
        public void Keywords_as_names_and_shadowing_user_types_still_compile()
        {
            var run = GeneratorHarness.Run("using CnnGen;\nnamespace @namespace;\npublic struct FloatBuffer { }\npublic static class Cpu { }\n"
                + "[Network(1, 8, 8)]\n[Conv2d(1, 2, 3)]\n[ReLU]\n[Flatten]\n[Linear(72, 10)]\npublic partial class @class;\n");
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Contains("partial class @class", run.SingleSource(), StringComparison.Ordinal);
            Assert.Empty(run.CompilationDiagnostics);
        }

        [Fact]
        public void A_suggestion_never_names_a_number_no_attribute_can_hold()
        {
            var run = GeneratorHarness.RunGeneratorOnly("using CnnGen;\nnamespace Fuzz;\n[Network(1, 28, 28)]\n"
                + "[Conv2d(1, 65536, 1)]\n[Conv2d(65536, 32768, 1)]\n[Flatten]\n[Linear(10, 10)]\npublic partial class Net;\n");
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "CS8785" or "CNN0099");
            Assert.All(run.GeneratorDiagnostics, d => Assert.DoesNotContain("4611686014132420609", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }
    }
}
