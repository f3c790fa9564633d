using System.IO;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>A generated network with Dropout, small enough to train in milliseconds.</summary>
    [Network(1, 2, 2)]
    [Flatten]
    [Linear(4, 8)]
    [ReLU]
    [Dropout(0.5)]
    [Linear(8, 3)]
    public partial class ResumeDropoutNet;

    public class ResumeWithDropoutTests
    {
        private static TrainerOptions Options(string? checkpoints = null, bool resume = false) => new TrainerOptions
        {
            Progress = ProgressMode.Plain,
            Output = new StringWriter(),
            HandleCtrlC = false,
            CheckpointDirectory = checkpoints,
            Resume = resume,
        };

        [Fact]
        public void Resumed_run_draws_the_same_dropout_masks_as_an_uninterrupted_one()
        {
            var data = TestData.Separable(60);
            var reference = new ResumeDropoutNet(seed: 3, maxBatch: 10);
            using (var loader = new DataLoader(data, 10, shuffle: true, seed: 5))
                Trainer.Fit(reference, new Adam(reference.Parameters, 0.05f), loader, null, 3, Options());
            Assert.Equal(18UL, reference.DropoutStep);

            string dir = TestData.TempDir();
            var first = new ResumeDropoutNet(seed: 3, maxBatch: 10);
            using (var loader = new DataLoader(data, 10, shuffle: true, seed: 5))
                Trainer.Fit(first, new Adam(first.Parameters, 0.05f), loader, null, 2, Options(dir));
            Assert.Equal(12UL, Checkpoint.TryReadState(dir)!.DropoutStep);

            // A new process: same seed, so the masks restart unless the checkpoint restores the step.
            var resumed = new ResumeDropoutNet(seed: 3, maxBatch: 10);
            using (var loader = new DataLoader(data, 10, shuffle: true, seed: 5))
                Trainer.Fit(resumed, new Adam(resumed.Parameters, 0.05f), loader, null, 3, Options(dir, resume: true));

            for (int p = 0; p < reference.Parameters.Count; p++)
                Assert.Equal(reference.Parameters[p].Data.ToArray(), resumed.Parameters[p].Data.ToArray());
        }
    }
}
