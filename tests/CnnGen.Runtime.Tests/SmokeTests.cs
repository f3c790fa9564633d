using CnnGen.Shapes;
using Xunit;

namespace CnnGen.Tests
{
    public class ShapeMathTests
    {
        [Theory]
        [InlineData(28, 2, 2, 0, 1, false, 14)]
        [InlineData(7, 2, 2, 0, 1, false, 3)]
        [InlineData(7, 2, 2, 0, 1, true, 4)]
        [InlineData(6, 2, 2, 1, 1, true, 4)]
        public void Pool_output_matches_pytorch(int size, int k, int s, int p, int d, bool ceil, int expected)
            => Assert.Equal(expected, ShapeMath.PoolOutput(size, k, s, p, d, ceil));
    }
}
