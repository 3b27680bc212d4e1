package org.customerdynamics.ml;

import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;

/** The MLlib pipelines of the supervised models: assemble → standardise → classifier. */
final class Pipelines {
  private Pipelines() {}

  static final String LR = "logistic-regression";
  static final String GBT = "gbt";

  /**
   * A classifier pipeline over {@code features}. Logistic regression weights rows by {@code
   * weightCol} when given. Gradient-boosted trees are fit unweighted and kept shallow with at least
   * 20 rows per leaf: with class weights of ~20 on a few dozen churners the trees memorised them
   * (validation AUC-ROC 0.61 on the demo, test 0.46); a ranking metric needs no rebalancing, and the
   * decision threshold is chosen on validation anyway.
   */
  static Pipeline classifier(List<String> features, String algorithm, long seed, int maxIter, String weightCol) {
    VectorAssembler assembler =
        new VectorAssembler().setInputCols(features.toArray(new String[0])).setOutputCol("raw_features").setHandleInvalid("keep");
    StandardScaler scaler =
        new StandardScaler().setInputCol("raw_features").setOutputCol("scaled").setWithMean(true).setWithStd(true);
    PipelineStage model;
    if (algorithm.equals(GBT)) {
      GBTClassifier gbt =
          new GBTClassifier().setFeaturesCol("scaled").setLabelCol("label").setMaxIter(maxIter)
              .setMaxDepth(3).setMinInstancesPerNode(20).setStepSize(0.1).setSubsamplingRate(0.8).setSeed(seed);
      model = gbt;
    } else {
      LogisticRegression lr =
          new LogisticRegression().setFeaturesCol("scaled").setLabelCol("label").setMaxIter(maxIter)
              .setRegParam(0.01).setElasticNetParam(0.0);
      if (weightCol != null) {
        lr.setWeightCol(weightCol);
      }
      model = lr;
    }
    return new Pipeline().setStages(new PipelineStage[] {assembler, scaler, model});
  }

  /** Per-feature weights for reasons: coefficients of a linear model, importances of trees. */
  static double[] reasonWeights(PipelineModel model) {
    Transformer last = model.stages()[model.stages().length - 1];
    if (last instanceof LogisticRegressionModel lr) {
      return lr.coefficients().toArray();
    }
    if (last instanceof GBTClassificationModel gbt) {
      return gbt.featureImportances().toArray();
    }
    throw new IllegalStateException("no reason weights for " + last.getClass().getSimpleName());
  }

  static boolean linear(PipelineModel model) {
    return model.stages()[model.stages().length - 1] instanceof LogisticRegressionModel;
  }
}
