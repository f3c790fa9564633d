// Graph networks (issue 9): the PyTorch twins of make_fixtures.py's graph cases, and two small networks for the
// gradient checks. Enabled when the graph generator lands (see the <Compile Remove> in the test csproj).
// State_dict names follow the PyTorch modules of docs/graphs.md: a Residual at i has "i.body.j.…" and
// "i.shortcut.j.…", a Concat at i "i.branches.b.j.…", a Sequential at i "i.j.…".
namespace CnnGen.Tests.Networks
{
    // ---- Blocks (make_fixtures.py's functions of the same name) ----

    /// <summary>plain4: two 3×3 convolutions with a ReLU between, 4 channels, shape kept.</summary>
    [Block]
    [Conv2d(4, 4, 3, padding: 1)]
    [ReLU]
    [Conv2d(4, 4, 3, padding: 1)]
    public partial class Plain4;

    /// <summary>basic_block4: a ResNet basic block body (no conv bias before BatchNorm).</summary>
    [Block]
    [Conv2d(4, 4, 3, padding: 1, bias: false)]
    [BatchNorm2d(4)]
    [ReLU]
    [Conv2d(4, 4, 3, padding: 1, bias: false)]
    [BatchNorm2d(4)]
    public partial class BasicBlock4;

    /// <summary>down8: 4 → 8 channels at stride 2.</summary>
    [Block]
    [Conv2d(4, 8, 3, stride: 2, padding: 1, bias: false)]
    [BatchNorm2d(8)]
    [ReLU]
    [Conv2d(8, 8, 3, padding: 1, bias: false)]
    [BatchNorm2d(8)]
    public partial class Down8;

    /// <summary>project8: the projection shortcut that fits <see cref="Down8"/>.</summary>
    [Block]
    [Conv2d(4, 8, 1, stride: 2, bias: false)]
    [BatchNorm2d(8)]
    public partial class Project8;

    /// <summary>nested's residual body: itself a residual, a ReLU and a conv.</summary>
    [Block]
    [Residual<Plain4>]
    [ReLU]
    [Conv2d(4, 4, 3, padding: 1)]
    public partial class NestedBody4;

    /// <summary>concat's first branch: a 1×1 conv to 2 channels.</summary>
    [Block]
    [Conv2d(4, 2, 1)]
    public partial class Branch1x1;

    /// <summary>concat's second branch: two 3×3 convs to 3 channels.</summary>
    [Block]
    [Conv2d(4, 3, 3, padding: 1)]
    [ReLU]
    [Conv2d(3, 3, 3, padding: 1)]
    public partial class Branch3x3;

    /// <summary>concat's third branch: a parameter-free pool first, so its parameters are "2.branches.2.1.*".</summary>
    [Block]
    [AvgPool2d(3, 1, padding: 1)]
    [Conv2d(4, 1, 1)]
    public partial class BranchPool;

    /// <summary>sequential's stage: a conv, then a residual inside the stage ("2.2.body.0.weight").</summary>
    [Block]
    [Conv2d(4, 4, 3, padding: 1)]
    [ReLU]
    [Residual<Plain4>]
    [ReLU]
    public partial class Stage4;

    // ---- Networks of the fixtures ----

    /// <summary>make_fixtures.py residual_identity: one block used twice, the first add followed by ReLU, the second not.</summary>
    [Network(1, 8, 8)]
    [Conv2d(1, 4, 3, padding: 1)]
    [ReLU]
    [Residual<Plain4>]
    [ReLU]
    [Residual<Plain4>]
    [Flatten]
    [Linear(4 * 8 * 8, 10)]
    public partial class ParityResidualIdentity;

    /// <summary>make_fixtures.py residual_projection: the TinyResNet in small, BatchNorm in training mode.</summary>
    [Network(3, 8, 8)]
    [Conv2d(3, 4, 3, padding: 1, bias: false)]
    [BatchNorm2d(4)]
    [ReLU]
    [Residual<BasicBlock4>]
    [ReLU]
    [Residual<Down8, Project8>]
    [ReLU]
    [AdaptiveAvgPool2d(1, 1)]
    [Flatten]
    [Linear(8, 10)]
    public partial class TinyResidualNet;

    /// <summary>make_fixtures.py nested: a residual whose body holds a residual ("2.body.0.body.0.weight").</summary>
    [Network(1, 8, 8)]
    [Conv2d(1, 4, 3, padding: 1)]
    [ReLU]
    [Residual<NestedBody4>]
    [ReLU]
    [MaxPool2d(2)]
    [Flatten]
    [Linear(4 * 4 * 4, 10)]
    public partial class ParityNested;

    /// <summary>make_fixtures.py concat: branches of 2, 3 and 1 channels, concatenated to 6.</summary>
    [Network(3, 8, 8)]
    [Conv2d(3, 4, 3, padding: 1)]
    [ReLU]
    [Concat<Branch1x1, Branch3x3, BranchPool>]
    [ReLU]
    [MaxPool2d(2)]
    [Flatten]
    [Linear(6 * 4 * 4, 10)]
    public partial class ParityConcat;

    /// <summary>make_fixtures.py sequential: a block's layers as one position ("2.0.weight").</summary>
    [Network(1, 8, 8)]
    [Conv2d(1, 4, 3, padding: 1)]
    [ReLU]
    [Sequential<Stage4>]
    [MaxPool2d(2)]
    [Flatten]
    [Linear(4 * 4 * 4, 10)]
    public partial class ParitySequential;

    // ---- Gradient checks (GraphGradientCheckTests.cs) ----

    /// <summary>A smooth residual body: Tanh between two convs, BatchNorm last (training mode is smooth too).</summary>
    [Block]
    [Conv2d(3, 3, 3, padding: 1)]
    [Tanh]
    [Conv2d(3, 3, 3, padding: 1, bias: false)]
    [BatchNorm2d(3)]
    public partial class SmoothBody3;

    /// <summary>A smooth strided body 3 → 5 channels.</summary>
    [Block]
    [Conv2d(3, 5, 3, stride: 2, padding: 1)]
    [Sigmoid]
    public partial class SmoothDown5;

    /// <summary>The projection that fits <see cref="SmoothDown5"/>.</summary>
    [Block]
    [Conv2d(3, 5, 1, stride: 2, bias: false)]
    [BatchNorm2d(5)]
    public partial class SmoothProject5;

    /// <summary>
    /// Identity and projection residuals: the input of each residual feeds two consumers (body and shortcut), so its
    /// gradient is the sum of two writes. The first add is followed by ReLU (the fused add + ReLU backward).
    /// </summary>
    [Network(2, 6, 6)]
    [Conv2d(2, 3, 3, padding: 1)]
    [Tanh]
    [Residual<SmoothBody3>]
    [ReLU]
    [Residual<SmoothDown5, SmoothProject5>]
    [Flatten]
    [Linear(5 * 3 * 3, 4)]
    public partial class GradResidualNet;

    /// <summary>A 1×1 conv branch.</summary>
    [Block]
    [Conv2d(3, 2, 1)]
    public partial class GradBranchA;

    /// <summary>A 3×3 conv branch with Tanh.</summary>
    [Block]
    [Conv2d(3, 2, 3, padding: 1)]
    [Tanh]
    public partial class GradBranchB;

    /// <summary>A parameter-free branch: the input itself, average-pooled, passes straight into the concatenation.</summary>
    [Block]
    [AvgPool2d(3, 1, padding: 1)]
    public partial class GradBranchPool;

    /// <summary>Three branches (2 + 2 + 3 channels) read the same value: its gradient sums three slices.</summary>
    [Network(2, 6, 6)]
    [Conv2d(2, 3, 3, padding: 1)]
    [Tanh]
    [Concat<GradBranchA, GradBranchB, GradBranchPool>]
    [Tanh]
    [Flatten]
    [Linear(7 * 6 * 6, 4)]
    public partial class GradConcatNet;
}
