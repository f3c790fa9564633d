using System;

namespace CnnGen
{
    /// <summary>
    /// Marks a <c>partial class</c> as a reusable block: its layer attributes form a body with no input shape of its
    /// own. Shapes are inferred at each place the block is used (<see cref="ResidualAttribute{TBody}"/>,
    /// <see cref="ConcatAttribute{T1, T2}"/>, <see cref="SequentialAttribute{T}"/>). Blocks may use other blocks.
    /// </summary>
    /// <example><code>
    /// [Block]
    /// [Conv2d(64, 64, 3, padding: 1, bias: false)] [BatchNorm2d(64)] [ReLU]
    /// [Conv2d(64, 64, 3, padding: 1, bias: false)] [BatchNorm2d(64)]
    /// public partial class Basic64;
    /// </code></example>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class BlockAttribute : Attribute
    {
    }

    /// <summary>
    /// A residual connection with an identity shortcut: <c>y = x + TBody(x)</c>. The body must keep the shape.
    /// PyTorch equivalent: a module with a submodule <c>body</c> (an <c>nn.Sequential</c>) returning <c>x + body(x)</c>.
    /// </summary>
    /// <typeparam name="TBody">A <see cref="BlockAttribute"/> class.</typeparam>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ResidualAttribute<TBody> : LayerAttribute
    {
    }

    /// <summary>
    /// A residual connection with a projection shortcut: <c>y = TShortcut(x) + TBody(x)</c>; both must produce the same
    /// shape. PyTorch equivalent: submodules <c>body</c> and <c>shortcut</c>, returning <c>shortcut(x) + body(x)</c>.
    /// </summary>
    /// <typeparam name="TBody">A <see cref="BlockAttribute"/> class: the main path.</typeparam>
    /// <typeparam name="TShortcut">A <see cref="BlockAttribute"/> class: the shortcut, e.g. a 1×1 strided Conv2d and a BatchNorm2d.</typeparam>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ResidualAttribute<TBody, TShortcut> : LayerAttribute
    {
    }

    /// <summary>
    /// Channel concatenation of branches that read the same input: <c>y = cat([T1(x), T2(x)], dim=1)</c>. The branches
    /// must agree on height and width. PyTorch equivalent: a submodule list <c>branches</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ConcatAttribute<T1, T2> : LayerAttribute
    {
    }

    /// <inheritdoc cref="ConcatAttribute{T1, T2}"/>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ConcatAttribute<T1, T2, T3> : LayerAttribute
    {
    }

    /// <inheritdoc cref="ConcatAttribute{T1, T2}"/>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ConcatAttribute<T1, T2, T3, T4> : LayerAttribute
    {
    }

    /// <summary>
    /// A block's layers in place, as one position of the network (PyTorch: an <c>nn.Sequential</c> submodule, so its
    /// parameters are named <c>"i.j.weight"</c>).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SequentialAttribute<T> : LayerAttribute
    {
    }
}
