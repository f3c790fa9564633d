using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Samples;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>
    /// Kills a real training process (the SimpleCnn sample's own executable) at every write and rename of its
    /// checkpoints and outputs, through the <c>CNNGEN_FAULT_AT</c> hook (SIGKILL at the n-th step), then resumes
    /// it: every kill must leave a loadable, consistent checkpoint or none, and every resumed run must end with
    /// weights bit-identical to an uninterrupted run's.
    /// </summary>
    public class KillDuringCheckpointTests
    {
        private const int Epochs = 2;
        private const int TrainImages = 48;
        private const int BatchSize = 16;
        private const int StepsPerEpoch = TrainImages / BatchSize;

        [Fact]
        public void A_training_process_killed_at_any_checkpoint_step_resumes_to_bit_identical_weights()
        {
            string exe = SampleProcess.Executable("SimpleCnn");
            string root = TestData.TempDir();
            string data = Path.Combine(root, "data");
            SampleProcess.WriteSyntheticMnist(data, TrainImages);

            var reference = Run(exe, data, Path.Combine(root, "reference"), faultAt: null, resume: false);
            Assert.True(reference.ExitCode == 0, reference.Output);
            byte[] expected = File.ReadAllBytes(Path.Combine(root, "reference", "simple_cnn.safetensors"));

            var stages = new List<string>();
            for (int n = 1; ; n++)
            {
                Assert.True(n <= 80, "the run was still being killed after 80 fault points: the hook counts more steps than a run has");
                string outDir = Path.Combine(root, "kill" + n);
                var killed = Run(exe, data, outDir, faultAt: n, resume: false);
                if (killed.ExitCode == 0) break;   // n is past the last write of the run: nothing left to kill
                Assert.True(killed.ExitCode == 137, $"fault point {n}: expected a SIGKILL (exit 137), got {killed.ExitCode}\n{killed.Output}");
                string marker = $"CNNGEN_FAULT_AT={n}: killing the process at '";
                int at = killed.Output.IndexOf(marker, StringComparison.Ordinal);
                Assert.True(at >= 0, killed.Output);
                stages.Add(killed.Output.Substring(at + marker.Length).Split('\'')[0]);

                string checkpoints = Path.Combine(outDir, "checkpoint");
                if (Checkpoint.Exists(checkpoints))
                {
                    // What the kill left must load as a whole, and agree with itself.
                    var model = new SimpleCnn(seed: 1, maxBatch: BatchSize);
                    var opt = new Adam(model.Parameters, 1e-3f);
                    var state = Checkpoint.Load(checkpoints, model, opt);
                    Assert.InRange(state.Epoch, 1, Epochs);
                    Assert.Equal(state.Epoch * StepsPerEpoch, state.Step);
                    Assert.Equal(state.Epoch, state.History.Count);
                }

                var resumed = Run(exe, data, outDir, faultAt: null, resume: true);
                Assert.True(resumed.ExitCode == 0, $"fault point {n} ({stages[^1]}): the resumed run failed\n{resumed.Output}");
                Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(outDir, "simple_cnn.safetensors"))),
                    $"fault point {n} ({stages[^1]}): the resumed run's weights differ from the uninterrupted run's");
                // The next start cleaned up after the kill: the pointer and one checkpoint folder, nothing else.
                Assert.Equal(new[] { Checkpoint.PointerFileName }, Directory.GetFiles(checkpoints).Select(Path.GetFileName));
                Assert.Single(Directory.GetDirectories(checkpoints));
            }

            // Every step of both checkpoint saves was hit: the folder, each file and its rename, the pointer, the clean-up.
            Assert.Equal(2, stages.Count(s => s == "checkpoint folder renamed"));
            Assert.Equal(2, stages.Count(s => s == "pointer renamed"));
            Assert.Equal(2, stages.Count(s => s == "rename latest"));
            Assert.Equal(2, stages.Count(s => s == "rename model.safetensors"));
            Assert.Equal(2, stages.Count(s => s == "rename optimizer.safetensors"));
            Assert.Equal(2, stages.Count(s => s == "rename checkpoint.json"));
            Assert.Equal(1, stages.Count(s => s == "previous checkpoint deleted"));
            Assert.Contains("rename simple_cnn.safetensors", stages);
        }

        private static SampleProcess.Result Run(string exe, string data, string outDir, int? faultAt, bool resume)
        {
            var args = new List<string> { "--epochs", Epochs.ToString(), "--batch-size", BatchSize.ToString(), "--threads", "1", "--data", data, "--out", outDir };
            if (resume) args.Add("--resume");
            return SampleProcess.Run(exe, args, faultAt);
        }
    }
}
