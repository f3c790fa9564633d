// What pooling keeps and what it drops.
//   dotnet run -c Release --project samples/PoolingDemo [-- --data DIR --out DIR]
// 1. The textbook worked example, a 4×4 map through MaxPool2d(2,2) and AvgPool2d(2,2), each a generated network.
// 2. A real MNIST digit through MaxPool2d with kernel 2/3 and stride 2/3: which rows and columns are never read
//    when the windows do not tile the input (a surprise for many), saved as PNGs. Building this sample shows the compiler's CNN0008 warning
//    for each badly tiled pool below: the same facts, before the program ever runs.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen;
using CnnGen.Data;
using CnnGen.Plotting;
using CnnGen.Samples;

// Nothing is trained here: the sample takes only --data, --out and --threads.
return SampleOptions.CommandWithoutTraining("Shows what MaxPool2d and AvgPool2d keep and drop: the textbook 4×4 example and an MNIST digit through badly tiled windows.",
    "PoolingDemo", Run).Parse(args).Invoke();

static int Run(SampleOptions o)
{
    Directory.CreateDirectory(o.OutputDirectory);

    // ---- The textbook worked example ----
    float[] map = { 2, 1, 5, 3, 6, 4, 9, 8, 7, 2, 3, 1, 5, 4, 2, 6 };
    var max = new float[4];
    var avg = new float[4];
    new WorkedMaxPool(seed: 0).Predict(map, 1, max);
    new WorkedAvgPool(seed: 0).Predict(map, 1, avg);
    Console.WriteLine("Input 4×4            MaxPool2d(2,2)     AvgPool2d(2,2)");
    for (int r = 0; r < 4; r++)
    {
        string input = string.Join(" ", map.Skip(r * 4).Take(4).Select(v => $"{v,2}"));
        string pooled = r % 2 == 0 ? $"{max[r / 2 * 2],4} {max[r / 2 * 2 + 1],4}         {avg[r / 2 * 2],5:0.##} {avg[r / 2 * 2 + 1],5:0.##}" : "";
        Console.WriteLine($"{input}          {pooled}");
    }
    Console.WriteLine("Each 2×2 window keeps its largest value (max) or its mean (avg); every input is read exactly once.");
    Console.WriteLine();

    // ---- Pooling a real digit ----
    var test = InMemoryDataset.LoadMnist(o.DataDirectory, train: false, new ToTensor(), log: Console.WriteLine);
    var image = test.GetImage(0).ToArray();
    Plots.SaveGreyscale(Path.Combine(o.OutputDirectory, "digit.png"), image, 28, 28);

    var pools = new (string Name, INetwork Net, int Kernel, int Stride, int Out)[]
    {
        ("k2_s2", new DigitPoolK2S2(0), 2, 2, DigitPoolK2S2.Shapes.Layer0Height),
        ("k3_s3", new DigitPoolK3S3(0), 3, 3, DigitPoolK3S3.Shapes.Layer0Height),
        ("k2_s3", new DigitPoolK2S3(0), 2, 3, DigitPoolK2S3.Shapes.Layer0Height),
        ("k3_s2", new DigitPoolK3S2(0), 3, 2, DigitPoolK3S2.Shapes.Layer0Height),
    };
    Console.WriteLine($"MNIST test image 0 (label {test.Labels[0]}), 28×28, through MaxPool2d:");
    foreach (var (name, net, k, s, outSize) in pools)
    {
        var pooled = new float[outSize * outSize];
        net.Predict(image, 1, pooled);
        string path = Path.Combine(o.OutputDirectory, $"maxpool_{name}.png");
        Plots.SaveGreyscale(path, pooled, outSize, outSize, scale: 8 * 28 / outSize);

        // Which rows are never inside a window: counted here by walking the windows, independently of the compiler.
        var read = new bool[28];
        for (int w = 0; w < outSize; w++)
            for (int t = 0; t < k; t++) read[w * s + t] = true;
        var unread = Enumerable.Range(0, 28).Where(i => !read[i]).ToList();
        double inkLost = InkIn(image, unread) / InkIn(image, Enumerable.Range(0, 28).ToList());
        string which = unread.Count == 1 ? $"row and column {unread[0]} are" : $"rows and columns {string.Join(", ", unread)} are";
        string dropped = unread.Count == 0 ? "every row and column is read" : $"{which} never read ({inkLost * 100:F1}% of the digit's ink lies there)";
        Console.WriteLine($"  kernel {k}, stride {s}: {outSize}×{outSize}; {dropped} → {path}");
    }
    Console.WriteLine();
    Console.WriteLine("The compiler saw this first: building this sample printed warning CNN0008 for k3_s3, k2_s3 and k3_s2,");
    Console.WriteLine("naming the rows and columns left unread and the padding or ceilMode that keeps them.");
    return 0;
}

// Fraction of the image's total brightness in the listed rows or columns (counted once where they cross).
static double InkIn(float[] image, List<int> lines)
{
    double ink = 0;
    for (int r = 0; r < 28; r++)
        for (int c = 0; c < 28; c++)
            if (lines.Contains(r) || lines.Contains(c)) ink += image[r * 28 + c];
    return ink;
}

/// <summary>The 4×4 example through MaxPool2d(2, 2): Flatten makes the 2×2 result the output.</summary>
[Network(1, 4, 4)]
[MaxPool2d(2, 2)]
[Flatten]
public partial class WorkedMaxPool;

[Network(1, 4, 4)]
[AvgPool2d(2, 2)]
[Flatten]
public partial class WorkedAvgPool;

[Network(1, 28, 28)]
[MaxPool2d(2, 2)]
[Flatten]
public partial class DigitPoolK2S2;

/// <summary>28 = 3·9 + 1: the last row and column fall outside every window (CNN0008).</summary>
[Network(1, 28, 28)]
[MaxPool2d(3, 3)]
[Flatten]
public partial class DigitPoolK3S3;

/// <summary>A stride larger than the kernel skips a row and a column between windows (CNN0008).</summary>
[Network(1, 28, 28)]
[MaxPool2d(2, 3)]
[Flatten]
public partial class DigitPoolK2S3;

/// <summary>Overlapping windows, but (28 − 3) / 2 leaves a remainder: the last row and column are dropped (CNN0008).</summary>
[Network(1, 28, 28)]
[MaxPool2d(3, 2)]
[Flatten]
public partial class DigitPoolK3S2;
