using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using CnnGen.IO;

namespace CnnGen.Training
{
    /// <summary>One row of a <see cref="RunLog"/>: an epoch of a run, with the run's hyperparameters.</summary>
    public sealed record RunLogEntry(RunParameters Run, EpochResult Epoch);

    /// <summary>
    /// Records every epoch of every run of an experiment and saves them as <c>results.csv</c> and
    /// <c>results.json</c> (one row per epoch: run, epoch, loss, accuracy, test_loss, test_accuracy,
    /// epoch_duration, run_duration in seconds, then the evaluation metrics when there are any — test_top5_accuracy,
    /// test_macro_precision/recall/f1, per class test_precision_NAME, test_recall_NAME, test_f1_NAME; nested under
    /// "metrics" in the JSON — then each hyperparameter), culture-invariant.
    /// </summary>
    public sealed class RunLog
    {
        /// <summary>The columns every row has, before the hyperparameters.</summary>
        public static readonly string[] StandardColumns =
        {
            "run", "epoch", "loss", "accuracy", "test_loss", "test_accuracy", "epoch_duration", "run_duration",
        };

        private readonly List<RunLogEntry> _entries = new List<RunLogEntry>();
        private readonly List<string> _parameterNames = new List<string>();

        public IReadOnlyList<RunLogEntry> Entries => _entries;

        /// <summary>Hyperparameter names in order of first appearance.</summary>
        public IReadOnlyList<string> ParameterNames => _parameterNames;

        private readonly List<string> _metricNames = new List<string>();

        /// <summary>Names of the evaluation metrics recorded (<see cref="EpochResult.Metrics"/>), in order of first appearance.</summary>
        public IReadOnlyList<string> MetricNames => _metricNames;

        /// <summary>All columns of the CSV, in order.</summary>
        public IReadOnlyList<string> Columns => StandardColumns.Concat(_metricNames).Concat(_parameterNames).ToArray();

        /// <summary>The printed table's columns: the CSV's without the per-class metrics, which would make it too wide to read.</summary>
        private string[] PrintedMetrics => _metricNames.Where(n => !ClassificationMetrics.IsPerClassColumn(n)).ToArray();

        private string[] PrintedColumns => StandardColumns.Concat(PrintedMetrics).Concat(_parameterNames).ToArray();

        /// <summary>Records one epoch of <paramref name="run"/>.</summary>
        public void Add(RunParameters run, EpochResult epoch)
        {
            if (run is null) throw new ArgumentNullException(nameof(run));
            if (epoch is null) throw new ArgumentNullException(nameof(epoch));
            foreach (string k in run.Keys)
            {
                if (!_parameterNames.Contains(k)) _parameterNames.Add(k);
            }
            if (epoch.Metrics is not null)
            {
                foreach (var kv in epoch.Metrics)
                    if (!_metricNames.Contains(kv.Key)) _metricNames.Add(kv.Key);
            }
            _entries.Add(new RunLogEntry(run, epoch));
        }

        /// <summary>Records every epoch of a run's <see cref="FitResult"/>.</summary>
        public void Add(RunParameters run, FitResult fit)
        {
            if (fit is null) throw new ArgumentNullException(nameof(fit));
            foreach (var e in fit.Epochs) Add(run, e);
        }

        /// <summary>The runs in the order first seen, each with its epochs.</summary>
        public IReadOnlyList<(RunParameters Run, IReadOnlyList<EpochResult> Epochs)> Runs()
            => _entries.GroupBy(e => e.Run.Index).Select(g => (g.First().Run, (IReadOnlyList<EpochResult>)g.Select(e => e.Epoch).ToArray())).ToArray();

        /// <summary>The log as CSV text (header line, then one line per epoch).</summary>
        public string ToCsv()
        {
            var sb = new StringBuilder();
            sb.Append(string.Join(",", Columns.Select(Escape))).Append('\n');
            foreach (var row in _entries.Select(e => Cells(e, "R", "R", _metricNames))) sb.Append(string.Join(",", row.Select(Escape))).Append('\n');
            return sb.ToString();
        }

        /// <summary>The log as a JSON array of flat records with the CSV's columns.</summary>
        public string ToJson()
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartArray();
                foreach (var entry in _entries)
                {
                    var e = entry.Epoch;
                    w.WriteStartObject();
                    w.WriteNumber("run", entry.Run.Index);
                    w.WriteNumber("epoch", e.Epoch);
                    JsonNumbers.WriteFinite(w, "loss", e.TrainLoss);
                    JsonNumbers.WriteFinite(w, "accuracy", e.TrainAccuracy);
                    if (e.TestLoss is double tl && double.IsFinite(tl)) w.WriteNumber("test_loss", tl); else w.WriteNull("test_loss");
                    if (e.TestAccuracy is double ta) w.WriteNumber("test_accuracy", ta); else w.WriteNull("test_accuracy");
                    w.WriteNumber("epoch_duration", e.EpochDuration.TotalSeconds);
                    w.WriteNumber("run_duration", e.RunDuration.TotalSeconds);
                    e.WriteMetrics(w);
                    foreach (string name in _parameterNames)
                    {
                        if (!entry.Run.TryGetValue(name, out object v)) { w.WriteNull(name); continue; }
                        switch (v)
                        {
                            case bool b: w.WriteBoolean(name, b); break;
                            case int i: w.WriteNumber(name, i); break;
                            case long l: w.WriteNumber(name, l); break;
                            case float f: w.WriteNumber(name, f); break;
                            case double d: w.WriteNumber(name, d); break;
                            case decimal m: w.WriteNumber(name, m); break;
                            default: w.WriteString(name, RunParameters.FormatValue(v)); break;
                        }
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            return Encoding.UTF8.GetString(ms.ToArray());
        }

        /// <summary>Writes <c>results.csv</c> and <c>results.json</c> into <paramref name="directory"/>, each atomically.</summary>
        public void Save(string directory, string baseName = "results")
        {
            Directory.CreateDirectory(directory);
            SaveCsv(Path.Combine(directory, baseName + ".csv"));
            SaveJson(Path.Combine(directory, baseName + ".json"));
        }

        public void SaveCsv(string path) => AtomicFile.WriteAllText(path, ToCsv());

        public void SaveJson(string path) => AtomicFile.WriteAllText(path, ToJson());

        /// <summary>Reads a log saved by <see cref="SaveJson"/> (for plotting it later).</summary>
        public static RunLog LoadJson(string path)
        {
            var log = new RunLog();
            JsonDocument parsed;
            try
            {
                parsed = JsonDocument.Parse(File.ReadAllBytes(path));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{Path.GetFullPath(path)}: not valid JSON ({e.Message}).", e);
            }
            using var doc = parsed;
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{Path.GetFileName(path)}: expected a JSON array of epoch records.");
            var runs = new Dictionary<int, RunParameters>();
            int row = 0;
            foreach (var r in doc.RootElement.EnumerateArray())
            {
                try
                {
                    int index = r.ValueKind == JsonValueKind.Object && r.TryGetProperty("run", out var runNumber) && runNumber.ValueKind == JsonValueKind.Number && runNumber.TryGetInt32(out int n) && n >= 1
                        ? n
                        : throw new FormatException("\"run\" is missing or not a run number ≥ 1");
                    if (!runs.TryGetValue(index, out var run))
                    {
                        var items = new List<KeyValuePair<string, object>>();
                        foreach (var p in r.EnumerateObject())
                        {
                            if (Array.IndexOf(StandardColumns, p.Name) >= 0 || p.Value.ValueKind == JsonValueKind.Null) continue;
                            if (p.Name == EpochResult.MetricsKey && p.Value.ValueKind == JsonValueKind.Object) continue;
                            object v = p.Value.ValueKind switch
                            {
                                JsonValueKind.True => true,
                                JsonValueKind.False => false,
                                JsonValueKind.Number when p.Value.TryGetInt32(out int i) => i,
                                JsonValueKind.Number => p.Value.GetDouble(),
                                _ => p.Value.GetString() ?? "",
                            };
                            items.Add(new KeyValuePair<string, object>(p.Name, v));
                        }
                        runs[index] = run = new RunParameters(index, items);
                    }
                    log.Add(run, EpochResult.ReadJson(r));
                }
                catch (Exception e) when (e is KeyNotFoundException or FormatException or InvalidOperationException)
                {
                    throw new InvalidDataException($"{Path.GetFileName(path)}: record {row} is not a run-log row ({e.Message}).", e);
                }
                row++;
            }
            return log;
        }

        /// <summary>
        /// The rows sorted by a column, best first: "accuracy" (default), "test_accuracy", "loss", … Losses and
        /// durations sort ascending, accuracies descending.
        /// </summary>
        public IReadOnlyList<RunLogEntry> Sorted(string by = "accuracy")
        {
            Func<RunLogEntry, double> key = by switch
            {
                "accuracy" => e => e.Epoch.TrainAccuracy,
                "test_accuracy" => e => e.Epoch.TestAccuracy ?? double.NegativeInfinity,
                "loss" => e => -e.Epoch.TrainLoss,
                "test_loss" => e => -(e.Epoch.TestLoss ?? double.PositiveInfinity),
                "epoch_duration" => e => -e.Epoch.EpochDuration.TotalSeconds,
                "run_duration" => e => -e.Epoch.RunDuration.TotalSeconds,
                _ => throw new ArgumentException($"Cannot sort by '{by}'; use accuracy, test_accuracy, loss, test_loss, epoch_duration or run_duration.", nameof(by)),
            };
            // Stable: equal keys keep log order.
            return _entries.OrderByDescending(key).ToArray();
        }

        /// <summary>
        /// Prints the table sorted by <paramref name="sortBy"/>: a Spectre table on an interactive console, plain
        /// text when output is redirected or goes to <paramref name="output"/>.
        /// </summary>
        public void Print(TextWriter? output = null, string sortBy = "accuracy", int? top = null)
        {
            var rows = Sorted(sortBy).Take(top ?? int.MaxValue).ToArray();
            string[] cols = PrintedColumns;
            var metrics = PrintedMetrics;
            var cells = rows.Select(r => Cells(r, "0.0000", "0.00", metrics)).ToArray();
            if (output is not null || Console.IsOutputRedirected)
            {
                (output ?? Console.Out).Write(ToText(cols, cells));
                return;
            }
            var table = new Table().Border(TableBorder.Rounded);
            foreach (string c in cols) table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
            foreach (var r in cells) table.AddRow(r.Select(Markup.Escape).ToArray());
            table.Caption(Markup.Escape($"sorted by {sortBy}"));
            AnsiConsole.Write(table);
        }

        /// <summary>The sorted table as aligned plain text.</summary>
        public string ToText(string sortBy = "accuracy")
        {
            var metrics = PrintedMetrics;
            return ToText(PrintedColumns, Sorted(sortBy).Select(e => Cells(e, "0.0000", "0.00", metrics)).ToArray());
        }

        private static string ToText(string[] cols, string[][] cells)
        {
            var widths = cols.Select(c => c.Length).ToArray();
            foreach (var r in cells)
            {
                for (int i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
            }
            var sb = new StringBuilder();
            sb.Append(string.Join("  ", cols.Select((c, i) => c.PadLeft(widths[i])))).Append('\n');
            foreach (var r in cells) sb.Append(string.Join("  ", r.Select((c, i) => c.PadLeft(widths[i])))).Append('\n');
            return sb.ToString();
        }

        /// <summary>
        /// One row of cells: metrics in <paramref name="metric"/> format, durations in <paramref name="seconds"/>
        /// ("R" for the CSV, which keeps full precision; rounded for the printed table), then each hyperparameter.
        /// </summary>
        private string[] Cells(RunLogEntry entry, string metric, string seconds, IReadOnlyList<string> metricNames)
        {
            var inv = CultureInfo.InvariantCulture;
            var e = entry.Epoch;
            var list = new List<string>
            {
                entry.Run.Index.ToString(inv),
                e.Epoch.ToString(inv),
                e.TrainLoss.ToString(metric, inv),
                double.IsNaN(e.TrainAccuracy) ? "" : e.TrainAccuracy.ToString(metric, inv),   // NaN: a network on float targets
                e.TestLoss?.ToString(metric, inv) ?? "",
                e.TestAccuracy?.ToString(metric, inv) ?? "",
                e.EpochDuration.TotalSeconds.ToString(seconds, inv),
                e.RunDuration.TotalSeconds.ToString(seconds, inv),
            };
            foreach (string name in metricNames)
                list.Add(MetricValue(e, name) is double v ? v.ToString(metric, inv) : "");
            foreach (string name in _parameterNames)
                list.Add(entry.Run.TryGetValue(name, out object v) ? RunParameters.FormatValue(v) : "");
            return list.ToArray();
        }

        private static double? MetricValue(EpochResult e, string name)
        {
            if (e.Metrics is null) return null;
            foreach (var kv in e.Metrics)
                if (kv.Key == name) return kv.Value;
            return null;
        }

        private static string Escape(string s)
            => s.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }
}
