using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using CnnGen.Data;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>Runs a sample's own executable (not <c>dotnet run</c>) on synthetic data, as a user's shell would.</summary>
    internal static class SampleProcess
    {
        public sealed record Result(int ExitCode, string Output);

        /// <summary>Runs <paramref name="exe"/> with <paramref name="args"/>; with <paramref name="faultAt"/>, killed at that checkpoint step.</summary>
        public static Result Run(string exe, IEnumerable<string> args, int? faultAt = null)
        {
            var psi = new ProcessStartInfo(exe)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in args) psi.ArgumentList.Add(a);
            psi.Environment.Remove("CNNGEN_FAULT_AT");
            if (faultAt is int n) psi.Environment["CNNGEN_FAULT_AT"] = n.ToString();
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"{exe} did not finish within 2 minutes.");
            }
            p.WaitForExit();
            return new Result(p.ExitCode, stderr.Result + "\n" + stdout.Result);
        }

        /// <summary>The sample's apphost, built beside this test assembly's configuration (the test project references the sample).</summary>
        public static string Executable(string name)
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string framework = testBin.Name, configuration = testBin.Parent!.Name;
            var dir = testBin;
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CnnGen.sln"))) dir = dir.Parent;
            Assert.NotNull(dir);
            string exe = Path.Combine(dir!.FullName, "samples", name, "bin", configuration, framework, name + (OperatingSystem.IsWindows() ? ".exe" : ""));
            Assert.True(File.Exists(exe), $"{exe} is missing: build the solution (the test project references the sample so that it is built).");
            return exe;
        }

        /// <summary>MNIST-named IDX files of random pixels: <paramref name="trainImages"/> training and 20 test images.</summary>
        public static void WriteSyntheticMnist(string dir, int trainImages)
        {
            var rng = new Randomness.Rng(17);
            foreach (var (prefix, count) in new[] { ("train", trainImages), ("t10k", 20) })
            {
                var pixels = new byte[count * 28 * 28];
                for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(rng.NextDouble() * 256);
                var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
                IdxWriter.Write(Path.Combine(dir, prefix + "-images-idx3-ubyte"), new[] { count, 28, 28 }, pixels);
                IdxWriter.Write(Path.Combine(dir, prefix + "-labels-idx1-ubyte"), new[] { count }, labels);
            }
        }
    }
}
