// The PyTorch twins of tests/fixtures/make_inference_fixtures.py: networks where Predict folds some BatchNorms into the
// Conv2d or Linear before them and must leave others alone. State_dict names as docs/graphs.md.
namespace CnnGen.Tests.Networks
{
    /// <summary>
    /// fold_chain: BatchNorm as the first layer (nothing to fold into); Conv2d with bias + BatchNorm + ReLU; Conv2d without
    /// bias + BatchNorm; Conv2d + BatchNorm + Tanh; Linear + BatchNorm1d + ReLU; a plain Linear.
    /// </summary>
    [Network(3, 8, 8)]
    [BatchNorm2d(3)]
    [Conv2d(3, 6, 3, padding: 1)]
    [BatchNorm2d(6)]
    [ReLU]
    [Conv2d(6, 6, 3, padding: 1, bias: false)]
    [BatchNorm2d(6)]
    [MaxPool2d(2)]
    [Conv2d(6, 8, 1)]
    [BatchNorm2d(8)]
    [Tanh]
    [Flatten]
    [Linear(128, 16)]
    [BatchNorm1d(16)]
    [ReLU]
    [Linear(16, 5)]
    public partial class FoldChainNet;

    /// <summary>stem8: a residual body whose first layer is a BatchNorm of the residual's (shared) input.</summary>
    [Block]
    [BatchNorm2d(8)]
    [ReLU]
    [Conv2d(8, 8, 3, padding: 1, bias: false)]
    [BatchNorm2d(8)]
    public partial class Stem8;

    /// <summary>down12: 8 → 12 channels at stride 2, the second convolution with a bias.</summary>
    [Block]
    [Conv2d(8, 12, 3, stride: 2, padding: 1, bias: false)]
    [BatchNorm2d(12)]
    [ReLU]
    [Conv2d(12, 12, 3, padding: 1)]
    [BatchNorm2d(12)]
    public partial class Down12;

    /// <summary>project12: the projection shortcut that fits <see cref="Down12"/>.</summary>
    [Block]
    [Conv2d(8, 12, 1, stride: 2, bias: false)]
    [BatchNorm2d(12)]
    public partial class Project12;

    /// <summary>A concat branch that folds: 1×1 conv, BatchNorm, ReLU.</summary>
    [Block]
    [Conv2d(12, 6, 1, bias: false)]
    [BatchNorm2d(6)]
    [ReLU]
    public partial class BranchBn6;

    /// <summary>A concat branch without BatchNorm.</summary>
    [Block]
    [MaxPool2d(3, 1, padding: 1)]
    [Conv2d(12, 4, 1)]
    public partial class BranchPool4;

    /// <summary>
    /// fold_graph: a folded stem feeding a residual whose body starts with a BatchNorm (not folded: it reads a value the
    /// add reads too), a BatchNorm after the add (not folded), a projection residual with the ReLU in the add, a concat of
    /// a folded branch and a plain one.
    /// </summary>
    [Network(3, 8, 8)]
    [Conv2d(3, 8, 3, padding: 1, bias: false)]
    [BatchNorm2d(8)]
    [ReLU]
    [Residual<Stem8>]
    [BatchNorm2d(8)]
    [ReLU]
    [Residual<Down12, Project12>]
    [ReLU]
    [Concat<BranchBn6, BranchPool4>]
    [AdaptiveAvgPool2d(1, 1)]
    [Flatten]
    [Linear(10, 5)]
    public partial class FoldGraphNet;
}
