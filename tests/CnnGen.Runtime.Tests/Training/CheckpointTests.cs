using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Serialization;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>The checkpoint layout (a folder per checkpoint and a pointer), loading that refuses before it changes anything, and clear messages.</summary>
    public class CheckpointTests
    {
        /// <summary>A checkpoint of ResumeDropoutNet trained one epoch with Adam, so every file holds real, non-zero state.</summary>
        private static string TrainedCheckpoint()
        {
            string dir = TestData.TempDir();
            TrainOneEpoch(dir, resume: false);
            return dir;
        }

        private static void TrainOneEpoch(string dir, bool resume)
        {
            var model = new ResumeDropoutNet(seed: 3, maxBatch: 10);
            using var loader = new DataLoader(TestData.Separable(30), 10, shuffle: true, seed: 5);
            Trainer.Fit(model, new Adam(model.Parameters, 0.05f), loader, null, 1, new TrainerOptions
            {
                Progress = ProgressMode.Silent,
                HandleCtrlC = false,
                CheckpointDirectory = dir,
                Resume = resume,
            });
        }

        private static string Current(string dir, string file) => Path.Combine(Checkpoint.TryCurrentFolder(dir)!, file);

        private static float[][] State(INetwork model, Adam opt)
            => model.Parameters.Select(p => p.Data.ToArray())
               .Concat(Enumerable.Range(0, opt.Parameters.Count).Select(i => opt.ExpAvg(i).ToArray()))
               .Append(new[] { (float)opt.StepCount, opt.LearningRate, model.DropoutStep })
               .ToArray();

        /// <summary>Loads into a fresh model and optimizer that must come out of a refusal exactly as they went in.</summary>
        private static Exception RefusedUnchanged(string dir)
        {
            var model = new ResumeDropoutNet(seed: 11, maxBatch: 10);
            var opt = new Adam(model.Parameters, 0.2f);
            // Give the optimizer a state of its own, so that "unchanged" means more than "still empty".
            model.ForwardBackward(TestData.Separable(10).Images, TestData.Separable(10).Labels, 10);
            opt.Step();
            model.DropoutStep = 7;
            var before = State(model, opt);
            var e = Assert.ThrowsAny<Exception>(() => Checkpoint.Load(dir, model, opt));
            var after = State(model, opt);
            Assert.Equal(before.Length, after.Length);
            for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);
            return e;
        }

        [Fact]
        public void A_step_that_disagrees_with_the_optimizer_file_is_refused_with_the_model_unchanged()
        {
            string dir = TrainedCheckpoint();
            var json = JsonNode.Parse(File.ReadAllText(Current(dir, Checkpoint.StateFileName)))!;
            json["step"] = 2;
            File.WriteAllText(Current(dir, Checkpoint.StateFileName), json.ToJsonString());
            var e = RefusedUnchanged(dir);
            Assert.Contains("records step 2, optimizer.safetensors step 3", e.Message);
        }

        [Fact]
        public void A_damaged_optimizer_file_is_refused_with_the_model_unchanged()
        {
            string dir = TrainedCheckpoint();
            File.WriteAllBytes(Current(dir, Checkpoint.OptimizerFileName), new byte[] { 1, 2, 3 });
            var e = RefusedUnchanged(dir);
            Assert.Contains(Checkpoint.OptimizerFileName, e.Message);
        }

        [Fact]
        public void Weights_with_NaN_in_the_checkpoint_are_refused_with_everything_unchanged()
        {
            string dir = TrainedCheckpoint();
            var net = new ResumeDropoutNet(seed: 3, maxBatch: 10);
            net.Parameters[2].Data[4] = float.NaN;
            net.Save(Current(dir, Checkpoint.ModelFileName));
            var e = RefusedUnchanged(dir);
            Assert.Contains("'4.weight': 1 NaN value, the first at flat index 4", e.Message);
        }

        [Theory]
        [InlineData("epoch", null, "\"epoch\" is missing; expected a whole number ≥ 0")]
        [InlineData("epoch", -5, "\"epoch\" is -5; expected a whole number from 0 to")]
        [InlineData("step", "x", "\"step\" is \"x\"; expected a whole number ≥ 0")]
        [InlineData("learning_rate", -1.5, "\"learning_rate\" is -1.5; expected a finite number ≥ 0")]
        [InlineData("network", null, "\"network\" is missing; expected a string")]
        [InlineData("history", 3, "\"history\" is 3; expected an array")]
        [InlineData("saved_at", "yesterday", "\"saved_at\" is \"yesterday\"; expected an ISO 8601 date and time")]
        [InlineData("format", "cnngen-checkpoint/9", "\"format\" is \"cnngen-checkpoint/9\"; expected \"cnngen-checkpoint/1\"")]
        public void A_bad_field_in_checkpoint_json_names_the_file_the_field_and_what_was_expected(string field, object? value, string expected)
        {
            string dir = TrainedCheckpoint();
            string path = Current(dir, Checkpoint.StateFileName);
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            if (value is null) json.Remove(field);
            else json[field] = JsonValue.Create(value);
            File.WriteAllText(path, json.ToJsonString());

            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.TryReadState(dir));
            Assert.Contains(Path.GetFullPath(path), e.Message);
            Assert.Contains(expected, e.Message);
            var refused = RefusedUnchanged(dir);
            Assert.Contains(expected, refused.Message);
        }

        [Fact]
        public void A_history_entry_after_the_recorded_epoch_is_refused()
        {
            string dir = TrainedCheckpoint();
            string path = Current(dir, Checkpoint.StateFileName);
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            json["epoch"] = 0;
            File.WriteAllText(path, json.ToJsonString());
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.TryReadState(dir));
            Assert.Contains("\"history\"[0] is epoch 1; expected 1 to \"epoch\" (0)", e.Message);
        }

        [Fact]
        public void Resuming_from_an_incomplete_checkpoint_is_refused_not_silently_restarted()
        {
            string dir = TrainedCheckpoint();
            File.Delete(Current(dir, Checkpoint.OptimizerFileName));
            var e = Assert.Throws<FileNotFoundException>(() => TrainOneEpoch(dir, resume: true));
            Assert.Contains("is incomplete: optimizer.safetensors is missing", e.Message);
        }

        [Fact]
        public void A_pointer_that_names_no_checkpoint_folder_is_refused_by_name()
        {
            string dir = TrainedCheckpoint();
            File.WriteAllText(Path.Combine(dir, Checkpoint.PointerFileName), "../../etc");
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.TryReadState(dir));
            Assert.Contains(Path.Combine(dir, Checkpoint.PointerFileName), e.Message);
            Assert.Contains("expected the name of a checkpoint folder", e.Message);

            File.WriteAllText(Path.Combine(dir, Checkpoint.PointerFileName), "ckpt-000042");
            e = Assert.Throws<InvalidDataException>(() => Checkpoint.TryReadState(dir));
            Assert.Contains("names 'ckpt-000042'", e.Message);
        }

        [Fact]
        public void Leftovers_of_a_killed_save_are_removed_on_the_next_start_and_the_current_checkpoint_kept()
        {
            string dir = TrainedCheckpoint();
            string current = Path.GetFileName(Checkpoint.TryCurrentFolder(dir)!);
            // What kills at each stage of a save leave: a half-written folder, a complete one the pointer never
            // reached, a temporary pointer.
            Directory.CreateDirectory(Path.Combine(dir, "ckpt-000007.tmp"));
            File.WriteAllText(Path.Combine(dir, "ckpt-000007.tmp", "model.safetensors.0123.tmp"), "half");
            Directory.CreateDirectory(Path.Combine(dir, "ckpt-000006"));
            File.WriteAllText(Path.Combine(dir, "latest.abcdef.tmp"), "ckpt-000006");

            TrainOneEpoch(dir, resume: true);
            Assert.Equal(new[] { Checkpoint.PointerFileName }, Directory.GetFiles(dir).Select(Path.GetFileName));
            Assert.Equal(new[] { current }, Directory.GetDirectories(dir).Select(Path.GetFileName));
        }

        [Fact]
        public void Every_save_is_a_new_folder_and_the_pointer_moves_only_when_it_is_complete()
        {
            string dir = TestData.TempDir();
            var model = new ResumeDropoutNet(seed: 3, maxBatch: 10);
            var opt = new Adam(model.Parameters, 0.05f);
            Checkpoint.Save(dir, model, opt, 1);
            Checkpoint.Save(dir, model, opt, 2);
            Assert.Equal("ckpt-000002", File.ReadAllText(Path.Combine(dir, Checkpoint.PointerFileName)).Trim());
            Assert.Equal(new[] { "ckpt-000002" }, Directory.GetDirectories(dir).Select(Path.GetFileName));
            Assert.Equal(2, Checkpoint.TryReadState(dir)!.Epoch);
        }

        [Fact]
        public void A_file_given_as_the_checkpoint_folder_is_refused_by_name()
        {
            string file = Path.Combine(TestData.TempDir(), "ckpt");
            File.WriteAllText(file, "mine");
            var model = new ResumeDropoutNet(seed: 3, maxBatch: 10);
            var e = Assert.Throws<IOException>(() => Checkpoint.Save(file, model, new Adam(model.Parameters), 1));
            Assert.Contains(file + ": this is a file; expected a folder for checkpoints", e.Message);
            Assert.Contains(file + ": this is a file; expected a checkpoint folder", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(file, model, new Adam(model.Parameters))).Message);
            // The trainer says so before it trains, not after the first epoch.
            using var loader = new DataLoader(TestData.Separable(30), 10);
            var fit = Assert.Throws<IOException>(() => Trainer.Fit(model, new Adam(model.Parameters), loader, null, 1,
                new TrainerOptions { Progress = ProgressMode.Silent, HandleCtrlC = false, CheckpointDirectory = file }));
            Assert.Contains("this is a file; expected a folder for checkpoints", fit.Message);
            Assert.Equal(0UL, model.DropoutStep);   // not a single step was trained
            Assert.Equal("mine", File.ReadAllText(file));
        }

        [Fact]
        public void A_run_log_row_without_its_run_number_is_refused_by_field_name()
        {
            string path = Path.Combine(TestData.TempDir(), "results.json");
            File.WriteAllText(path, "[{\"epoch\": 1}]");
            var e = Assert.Throws<InvalidDataException>(() => RunLog.LoadJson(path));
            Assert.Contains("record 0 is not a run-log row (\"run\" is missing or not a run number ≥ 1)", e.Message);
            File.WriteAllText(path, "[{");
            Assert.Contains(path + ": not valid JSON", Assert.Throws<InvalidDataException>(() => RunLog.LoadJson(path)).Message);
        }

        [Fact]
        public void A_checkpoint_of_the_earlier_flat_layout_still_loads()
        {
            string dir = TrainedCheckpoint();
            string folder = Checkpoint.TryCurrentFolder(dir)!;
            foreach (string f in Directory.GetFiles(folder)) File.Move(f, Path.Combine(dir, Path.GetFileName(f)));
            File.Delete(Path.Combine(dir, Checkpoint.PointerFileName));
            Directory.Delete(folder);
            var model = new ResumeDropoutNet(seed: 11, maxBatch: 10);
            var state = Checkpoint.Load(dir, model, new Adam(model.Parameters, 0.2f));
            Assert.Equal(1, state.Epoch);
        }
    }
}
