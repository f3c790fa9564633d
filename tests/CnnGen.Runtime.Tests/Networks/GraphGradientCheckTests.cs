using Xunit;

namespace CnnGen.Tests.Networks
{
    /// <summary>
    /// Finite-difference checks of graph networks (issue 9): a value read by two or three consumers gets the sum of
    /// their gradients (first writer overwrites, later writers accumulate). Enabled when the graph generator lands.
    /// </summary>
    public partial class GradientCheckTests
    {
        [Fact]
        public void Residual_network_with_identity_and_projection_shortcuts_sums_both_paths_gradients()
        {
            // The ReLU after the first add has kinks: a small step, as for KinkyNet.
            var model = new GradResidualNet(21, maxBatch: 4);
            Assert.True(model.IsTraining);
            CheckDirectionalDerivatives(model, batch: 4, h: 1e-3, rel: 0.02, seed: 700);
        }

        [Fact]
        public void Concat_network_whose_three_branches_read_the_same_value()
        {
            // Smooth everywhere (Tanh, average pool), so a larger step.
            var model = new GradConcatNet(22, maxBatch: 3);
            CheckDirectionalDerivatives(model, batch: 3, h: 1e-2, rel: 0.01, seed: 800);
        }
    }
}
