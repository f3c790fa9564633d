using System;
using System.IO;
using System.Text;
using Xunit.Sdk;

namespace CnnGen.Generator.Tests.Infrastructure
{
    /// <summary>
    /// Approved-file baselines: generated code is compared with a file kept in the repository
    /// (Baselines/&lt;Name&gt;.g.cs.txt). Set CNNGEN_UPDATE_BASELINES=1 to rewrite the files instead of comparing.
    /// </summary>
    public static class Baseline
    {
        public const string UpdateVariable = "CNNGEN_UPDATE_BASELINES";

        /// <summary>How many differing lines a failure shows.</summary>
        private const int MaxShownDifferences = 12;

        public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

        /// <summary>The test project's source folder, found by walking up from the test binaries to the folder holding CnnGen.sln.</summary>
        public static string SourceFolder
        {
            get
            {
                for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "CnnGen.sln")))
                        return Path.Combine(dir.FullName, "tests", "CnnGen.Generator.Tests");
                }
                throw new InvalidOperationException($"No folder above '{AppContext.BaseDirectory}' contains CnnGen.sln.");
            }
        }

        public static string PathOf(string name) => Path.Combine(SourceFolder, "Baselines", name + ".g.cs.txt");

        /// <summary>Compares <paramref name="actual"/> with the approved file, or rewrites the file when updating.</summary>
        public static void Verify(string name, string actual)
        {
            string path = PathOf(name);
            actual = Normalize(actual);
            if (Updating)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                string tmp = path + ".tmp";
                File.WriteAllText(tmp, actual, new UTF8Encoding(false));
                File.Move(tmp, path, overwrite: true);
                return;
            }
            if (!File.Exists(path))
                throw new XunitException($"No baseline for '{name}' at {path}. Run the tests with {UpdateVariable}=1 to create it, then review it.");
            string expected = Normalize(File.ReadAllText(path));
            string? diff = Diff(expected, actual);
            if (diff is not null)
                throw new XunitException($"Generated code for '{name}' differs from {path}.\n{diff}\nIf the change is intended, run the tests with {UpdateVariable}=1 and review the diff.");
        }

        /// <summary>Line endings as "\n", so a checkout with CRLF endings still compares equal.</summary>
        private static string Normalize(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal);

        /// <summary>
        /// A short, readable difference: the first differing lines, each with its line number, as
        /// "-" (approved) and "+" (generated) pairs; null when the texts are equal.
        /// </summary>
        public static string? Diff(string expected, string actual)
        {
            if (expected == actual) return null;
            string[] e = expected.Split('\n'), a = actual.Split('\n');
            var sb = new StringBuilder();
            sb.Append("--- approved (").Append(e.Length).Append(" lines)\n+++ generated (").Append(a.Length).Append(" lines)\n");
            int shown = 0;
            for (int i = 0; i < Math.Max(e.Length, a.Length) && shown < MaxShownDifferences; i++)
            {
                string? el = i < e.Length ? e[i] : null, al = i < a.Length ? a[i] : null;
                if (el == al) continue;
                sb.Append("@@ line ").Append(i + 1).Append(" @@\n");
                if (el is not null) sb.Append("- ").Append(el).Append('\n');
                if (al is not null) sb.Append("+ ").Append(al).Append('\n');
                shown++;
            }
            if (shown == MaxShownDifferences) sb.Append("… (more differences follow; a line added or removed shifts every later line)\n");
            return sb.ToString();
        }
    }
}
