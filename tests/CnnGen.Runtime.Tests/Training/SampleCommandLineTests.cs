using System.IO;
using System.Linq;
using CnnGen.Samples;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>The samples' options: out-of-range values end in one clear line, --lr on resume is applied and recorded.</summary>
    public class SampleCommandLineTests
    {
        private static (string Exe, string Data, string Root) Setup()
        {
            string root = TestData.TempDir();
            string data = Path.Combine(root, "data");
            SampleProcess.WriteSyntheticMnist(data, 32);
            return (SampleProcess.Executable("SimpleCnn"), data, root);
        }

        [Fact]
        public void A_batch_size_larger_than_the_training_set_is_refused_with_the_option_and_the_range()
        {
            var (exe, data, root) = Setup();
            var r = SampleProcess.Run(exe, new[] { "--epochs", "1", "--batch-size", "3000000", "--data", data, "--out", Path.Combine(root, "out") });
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("error: --batch-size 3000000 is larger than the 32 training images; expected 1 to 32.", r.Output);
            Assert.DoesNotContain("Exception", r.Output);
        }

        [Fact]
        public void A_batch_too_large_for_memory_is_refused_by_the_loader_with_the_largest_that_fits()
        {
            var data = TestData.Separable(10);   // 4 floats a sample
            var e = Assert.Throws<System.ArgumentOutOfRangeException>(() => new CnnGen.Data.DataLoader(data, int.MaxValue));
            Assert.Contains($"use a batch size of at most {System.Array.MaxLength / 4}", e.Message);
            // A batch larger than the data set is fine (one short batch), as in PyTorch, and the count does not overflow.
            using var loader = new CnnGen.Data.DataLoader(data, 1000, prefetch: false);
            Assert.Equal(1, loader.BatchCount);
        }

        [Fact]
        public void An_exploding_loss_at_the_first_update_stops_the_sample_with_epoch_batch_and_learning_rate()
        {
            var (exe, data, root) = Setup();
            string outDir = Path.Combine(root, "out");
            var r = SampleProcess.Run(exe, new[] { "--epochs", "2", "--batch-size", "16", "--threads", "1", "--lr", "1e6", "--data", data, "--out", outDir });
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("error: Training diverged at epoch 1, batch 2/2: the loss is", r.Output);
            Assert.Contains("The learning rate is 1000000", r.Output);
            Assert.False(File.Exists(Path.Combine(outDir, "simple_cnn.safetensors")));   // no diverged weights written
        }

        [Fact]
        public void A_negative_early_stopping_patience_is_refused()
        {
            var (exe, data, root) = Setup();
            var r = SampleProcess.Run(exe, new[] { "--early-stopping-patience", "-1", "--data", data, "--out", Path.Combine(root, "out") });
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("--early-stopping-patience must be at least 0, got -1", r.Output);
        }

        [Fact]
        public void A_file_given_as_the_output_folder_is_refused_by_option_name()
        {
            var (exe, data, root) = Setup();
            string file = Path.Combine(root, "results.txt");
            File.WriteAllText(file, "mine");
            var r = SampleProcess.Run(exe, new[] { "--data", data, "--out", file });
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"--out {file} is a file; expected a folder", r.Output);
            Assert.Equal("mine", File.ReadAllText(file));
        }

        [Fact]
        public void Resume_with_a_new_lr_applies_it_and_results_record_the_rate_used()
        {
            var (exe, data, root) = Setup();
            string outDir = Path.Combine(root, "out");
            string[] common = { "--batch-size", "16", "--threads", "1", "--data", data, "--out", outDir };
            Assert.Equal(0, SampleProcess.Run(exe, common.Concat(new[] { "--epochs", "1", "--lr", "0.001" })).ExitCode);

            var resumed = SampleProcess.Run(exe, common.Concat(new[] { "--epochs", "2", "--lr", "0.0005", "--resume" }));
            Assert.True(resumed.ExitCode == 0, resumed.Output);
            Assert.Contains("Learning rate 0.0005 from now on (the checkpoint's was 0.001).", resumed.Output);
            Assert.Equal(0.0005f, Checkpoint.TryReadState(Path.Combine(outDir, "checkpoint"))!.LearningRate);
            Assert.Equal(0.0005f, Checkpoint.TryReadState(Path.Combine(outDir, "checkpoint"))!.History[1].LearningRate);
            Assert.Equal("0.0005", LrColumn(outDir));

            // Without --lr a resumed run keeps the checkpoint's rate (not the default) and records that one.
            var kept = SampleProcess.Run(exe, common.Concat(new[] { "--epochs", "3", "--resume" }));
            Assert.True(kept.ExitCode == 0, kept.Output);
            Assert.DoesNotContain("from now on", kept.Output);
            Assert.Equal("0.0005", LrColumn(outDir));
        }

        private static string LrColumn(string outDir)
        {
            var lines = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
            int column = System.Array.IndexOf(lines[0].Split(','), "lr");
            return lines[^1].Split(',')[column];
        }

        [Fact]
        public void The_early_stopping_option_reaches_the_trainer()
        {
            var options = new SampleOptions { EarlyStoppingPatience = 3, LearningRate = 0.01f, LearningRateGiven = true, Resume = true };
            var t = options.TrainerOptions("ckpt");
            Assert.Equal(3, t.EarlyStopping!.Patience);
            Assert.Equal(EarlyStoppingMetric.TestLoss, t.EarlyStopping.Monitor);
            Assert.Equal(0.01f, t.LearningRateOnResume);
            Assert.Null(new SampleOptions().TrainerOptions("ckpt").EarlyStopping);
            Assert.Null(new SampleOptions { LearningRate = 0.01f }.TrainerOptions("ckpt").LearningRateOnResume);
        }
    }
}
