using System;
using System.Collections.Generic;
using System.IO;
using CnnGen.Data;
using CnnGen.Plotting;
using CnnGen.Training;

namespace CnnGen.Samples
{
    /// <summary>The end-of-training figures every classification sample prints or draws.</summary>
    public static class SampleResults
    {
        /// <summary>
        /// After Ctrl+C the trainer has saved a checkpoint after the last step: says how to continue and returns true,
        /// so the sample stops rather than evaluate half-trained weights.
        /// </summary>
        public static bool Interrupted(FitResult fit, SampleOptions options)
        {
            if (!fit.Interrupted) return false;
            Console.WriteLine($"Interrupted: the checkpoint in {System.IO.Path.Combine(options.OutputDirectory, "checkpoint")} continues with --resume.");
            return true;
        }

        /// <summary>The model's predicted class for each of the first <paramref name="count"/> images of <paramref name="dataset"/>.</summary>
        public static List<int> PredictFirst(INetwork model, InMemoryDataset dataset, int count)
        {
            var logits = new float[count * model.OutputSize];
            model.Predict(dataset.Images.AsSpan(0, count * model.InputSize), count, logits);
            var predicted = new List<int>(count);
            for (int i = 0; i < count; i++) predicted.Add(Evaluation.ArgMax(logits.AsSpan(i * model.OutputSize, model.OutputSize)));
            return predicted;
        }

        /// <summary>
        /// The end of a classification sample: results.csv/json and curves.png for <paramref name="run"/>; then, unless
        /// the run was interrupted, the weights (<paramref name="weightsFile"/>), model.onnx, a grid of the first 20 test
        /// images with their predictions, and the confusion matrix. Returns the process exit code.
        /// </summary>
        public static int Finish(INetwork model, RunParameters run, FitResult fit, SampleOptions o, string weightsFile, string title,
            InMemoryDataset test, DataLoader testLoader, string target = "")
        {
            var log = new RunLog();
            log.Add(run, fit);
            log.Save(o.OutputDirectory);
            Plots.SaveTrainingCurves(log, Path.Combine(o.OutputDirectory, "curves.png"), title: title);
            if (Interrupted(fit, o)) return 130;

            string weights = Path.Combine(o.OutputDirectory, weightsFile);
            model.Save(weights);
            // The inference graph for ONNX Runtime and other ONNX tools (opset 17; BatchNorm in eval form, no dropout).
            string onnx = Path.Combine(o.OutputDirectory, "model.onnx");
            model.ExportOnnx(onnx);

            // The usual figure: 20 test images with what the model says and what they are.
            var indices = new List<int>();
            for (int i = 0; i < 20; i++) indices.Add(i);
            Plots.SaveSampleGrid(Path.Combine(o.OutputDirectory, "predictions.png"), test, indices, PredictFirst(model, test, 20));

            var confusion = PrintConfusion(model, testLoader);
            Console.WriteLine($"Test accuracy {confusion.Accuracy * 100:F2}%{target}. Weights: {weights}; ONNX model: {onnx}. Results, curves and predictions: {o.OutputDirectory}");
            return 0;
        }

        /// <summary>Computes and prints the test set's confusion matrix; returns it for its accuracy.</summary>
        public static ConfusionMatrix PrintConfusion(INetwork model, DataLoader test)
        {
            var confusion = ConfusionMatrix.Compute(model, test);
            Console.WriteLine();
            Console.WriteLine("Confusion matrix on the test set (rows: label, columns: predicted):");
            confusion.Print();
            return confusion;
        }
    }
}
