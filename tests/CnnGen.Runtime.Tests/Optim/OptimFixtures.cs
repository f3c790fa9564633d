using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace CnnGen.Tests.Optim
{
    /// <summary>
    /// Reads Fixtures/optim_fixtures.json, written by tests/fixtures/make_optim_fixtures.py with PyTorch 1.13
    /// (schedules, clip_grad_norm_, SGD with Nesterov, losses; the script's docstring describes every field).
    /// </summary>
    internal static class OptimFixtures
    {
        private static readonly Lazy<JsonDocument> Doc = new(() =>
            JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "optim_fixtures.json"))));

        public static JsonElement Root => Doc.Value.RootElement;

        public static JsonElement[] Section(string name) => Root.GetProperty(name).EnumerateArray().ToArray();

        public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

        public static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

        public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

        public static int[] Shape(JsonElement e) => Ints(e);

        /// <summary>A parameter of the given shape holding <paramref name="data"/>, with a zero gradient.</summary>
        public static Parameter Param(string name, int[] shape, float[]? data = null)
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            return new Parameter(name, shape, new FloatBuffer(data?.ToArray() ?? new float[n]), new FloatBuffer(new float[n]));
        }

        /// <summary>An optimizer over one dummy parameter, for schedules (which read only its learning rate and step count).</summary>
        public static List<Parameter> OneParameter() => new() { Param("w", new[] { 1 }) };
    }
}
