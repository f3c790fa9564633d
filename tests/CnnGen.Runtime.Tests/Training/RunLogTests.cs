using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    public class RunLogTests
    {
        [Fact]
        public void Grid_expands_in_product_order()
        {
            var runs = new RunBuilder()
                .Add("lr", 0.01, 0.001)
                .Add("batch_size", 1000)
                .Add("network", "max_pool", "no_max_pool")
                .Build();
            Assert.Equal(4, runs.Count);
            Assert.Equal(new[] { 1, 2, 3, 4 }, runs.Select(r => r.Index));
            Assert.Equal(new[] { 0.01, 0.01, 0.001, 0.001 }, runs.Select(r => r.GetDouble("lr")));
            Assert.Equal(new[] { "max_pool", "no_max_pool", "max_pool", "no_max_pool" }, runs.Select(r => r.GetString("network")));
            Assert.All(runs, r => Assert.Equal(1000, r.GetInt("batch_size")));
            Assert.Equal(new[] { "lr", "batch_size", "network" }, runs[0].Keys);
            Assert.Equal("lr=0.001, batch_size=1000, network=no_max_pool", runs[3].ToString());
        }

        [Fact]
        public void Grid_refuses_duplicates_empty_and_reserved_names()
        {
            Assert.Throws<ArgumentException>(() => new RunBuilder().Add("lr", 0.1).Add("lr", 0.2));
            Assert.Throws<ArgumentException>(() => new RunBuilder().Add<int>("x"));
            Assert.Throws<ArgumentException>(() => new RunBuilder().Add("accuracy", 1));
            Assert.Single(new RunBuilder().Build());   // no axes: one run with no parameters
        }

        private static RunLog SampleLog()
        {
            var runs = new RunBuilder().Add("lr", 0.01, 0.001).Add("network", "a,b", "c").Build();
            var log = new RunLog();
            log.Add(runs[0], new EpochResult(1, 0.5, 0.8, 0.4, 0.85, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(1.5), 100, 0.01f));
            log.Add(runs[0], new EpochResult(2, 0.25, 0.9, null, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3.5), 100, 0.01f));
            log.Add(runs[3], new EpochResult(1, 1.0 / 3, 0.95, 0.3, 0.9, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250), 100, 0.001f));
            return log;
        }

        [Fact]
        public void Csv_has_the_columns_and_invariant_numbers()
        {
            var saved = Thread.CurrentThread.CurrentCulture;
            // A culture with a decimal comma (the invariant-globalization build has no named cultures to borrow).
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            Thread.CurrentThread.CurrentCulture = comma;
            try
            {
                string dir = TestData.TempDir();
                SampleLog().Save(dir);
                var lines = File.ReadAllLines(Path.Combine(dir, "results.csv"));
                Assert.Equal("run,epoch,loss,accuracy,test_loss,test_accuracy,epoch_duration,run_duration,lr,network", lines[0]);
                Assert.Equal("1,1,0.5,0.8,0.4,0.85,1.5,1.5,0.01,\"a,b\"", lines[1]);
                Assert.Equal("1,2,0.25,0.9,,,2,3.5,0.01,\"a,b\"", lines[2]);
                Assert.Equal("4,1," + (1.0 / 3).ToString("R", CultureInfo.InvariantCulture) + ",0.95,0.3,0.9,0.25,0.25,0.001,c", lines[3]);
                Assert.Equal(4, lines.Length);
                Assert.Equal(new[] { "results.csv", "results.json" }, Directory.GetFiles(dir).Select(Path.GetFileName).OrderBy(x => x));
            }
            finally
            {
                Thread.CurrentThread.CurrentCulture = saved;
            }
        }

        [Fact]
        public void Json_is_flat_records_and_loads_back()
        {
            string dir = TestData.TempDir();
            var log = SampleLog();
            log.Save(dir);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json")));
            var rows = doc.RootElement.EnumerateArray().ToArray();
            Assert.Equal(3, rows.Length);
            Assert.Equal(4, rows[2].GetProperty("run").GetInt32());
            Assert.Equal(0.95, rows[2].GetProperty("accuracy").GetDouble());
            Assert.Equal(0.001, rows[2].GetProperty("lr").GetDouble());
            Assert.Equal("c", rows[2].GetProperty("network").GetString());
            Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("test_loss").ValueKind);
            Assert.Equal(3.5, rows[1].GetProperty("run_duration").GetDouble());

            var back = RunLog.LoadJson(Path.Combine(dir, "results.json"));
            Assert.Equal(log.ToCsv(), back.ToCsv());
            Assert.Equal(2, back.Runs().Count);
        }

        [Fact]
        public void Table_is_sorted_by_accuracy()
        {
            var w = new StringWriter();
            SampleLog().Print(w);
            var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("run", lines[0].Trim());
            Assert.Equal(new[] { "0.9500", "0.9000", "0.8000" }, lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]));
            Assert.Equal(new[] { 0.85, 0.9 }, SampleLog().Sorted("test_loss").Take(2).Select(e => e.Epoch.TestAccuracy!.Value).Reverse());
        }
    }
}
