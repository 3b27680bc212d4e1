package org.customerdynamics.social;

import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.customerdynamics.common.Identifiers;

/**
 * Scores the social graph against the generator's ground truth (SPEC §9): recovery of planted
 * communities (normalised mutual information) and of planted influencers (share in the top by
 * influence). Pure transforms; the job reads the truth files.
 */
public final class SocialScoring {
  private SocialScoring() {}

  /**
   * Keys raw truth identifiers the way refine does, into graph nodes {@code <id_type>:<key>}. Needs
   * {@code cdx_key} registered in the session ({@link Identifiers#register}).
   *
   * @param truthIdentifiers {@code <truth>/identifiers.csv}: {@code id_type}, {@code value}, {@code
   *     person_id}
   * @return {@code identifier}, {@code truth_person_id}
   */
  public static Dataset<Row> keyIdentifiers(Dataset<Row> truthIdentifiers) {
    SocialTransforms.requireColumns(
        truthIdentifiers, "truth identifiers.csv", "id_type", "value", "person_id");
    Dataset<Row> typed =
        truthIdentifiers.select(
            lower(trim(col("id_type"))).as("id_type"), col("value"), col("person_id"));
    return typed
        .select(
            concat(
                    col("id_type"),
                    lit(":"),
                    call_udf(Identifiers.KEY_FUNCTION, col("id_type"), col("value")))
                .as("identifier"),
            col("person_id").as("truth_person_id"))
        .where(col("identifier").isNotNull());
  }

  /**
   * Maps each truth person to our person: the person most of their identifiers resolve to in the
   * identity map (ties to the smallest person id).
   *
   * @param keyedTruth {@link #keyIdentifiers}
   * @param identityMap {@code identifier}, {@code person_id}
   * @return {@code truth_person_id}, {@code person_id}, {@code identifiers_matched}
   */
  public static Dataset<Row> mapPersons(Dataset<Row> keyedTruth, Dataset<Row> identityMap) {
    SocialTransforms.requireColumns(keyedTruth, "keyed truth", "identifier", "truth_person_id");
    SocialTransforms.requireColumns(identityMap, "silver.identity_map", "identifier", "person_id");
    Dataset<Row> votes =
        keyedTruth
            .join(identityMap.select("identifier", "person_id"), new String[] {"identifier"}, "inner")
            .groupBy("truth_person_id", "person_id")
            .agg(count(lit(1)).as("n"));
    return votes
        .groupBy("truth_person_id")
        .agg(min_by(struct(col("person_id"), col("n")), struct(functions.negate(col("n")), col("person_id")))
            .as("best"))
        .select(
            col("truth_person_id"),
            col("best.person_id").as("person_id"),
            col("best.n").as("identifiers_matched"));
  }

  /**
   * Normalised mutual information {@code 2 I(T;F) / (H(T) + H(F))} between two labellings of the
   * same items (1.0 when both put everything in one group).
   *
   * @param assignments {@code truth_label}, {@code found_label}, one row per item
   * @return one row: {@code persons}, {@code truth_communities}, {@code found_communities}, {@code
   *     nmi} (null when there are no items)
   */
  public static Dataset<Row> nmi(Dataset<Row> assignments) {
    SocialTransforms.requireColumns(assignments, "NMI input", "truth_label", "found_label");
    Dataset<Row> joint =
        assignments.groupBy("truth_label", "found_label").agg(count(lit(1)).as("nij"));
    Dataset<Row> truth = assignments.groupBy("truth_label").agg(count(lit(1)).as("ni"));
    Dataset<Row> found = assignments.groupBy("found_label").agg(count(lit(1)).as("nj"));
    Dataset<Row> total = assignments.agg(count(lit(1)).as("n"));
    Dataset<Row> mutual =
        joint
            .join(truth, new String[] {"truth_label"}, "inner")
            .join(found, new String[] {"found_label"}, "inner")
            .crossJoin(total)
            .agg(
                sum(
                        col("nij")
                            .divide(col("n"))
                            .multiply(
                                log(
                                    col("nij")
                                        .multiply(col("n"))
                                        .divide(col("ni").multiply(col("nj"))))))
                    .as("i"));
    Dataset<Row> ht = entropy(truth, "ni", total).withColumnRenamed("h", "ht");
    Dataset<Row> hf = entropy(found, "nj", total).withColumnRenamed("h", "hf");
    Dataset<Row> counts =
        assignments.agg(
            count(lit(1)).as("persons"),
            countDistinct("truth_label").as("truth_communities"),
            countDistinct("found_label").as("found_communities"));
    return counts
        .crossJoin(mutual)
        .crossJoin(ht)
        .crossJoin(hf)
        .select(
            col("persons"),
            col("truth_communities"),
            col("found_communities"),
            when(col("persons").equalTo(0), lit(null).cast("double"))
                .when(col("ht").plus(col("hf")).leq(lit(1e-12)), lit(1.0))
                .otherwise(lit(2.0).multiply(col("i")).divide(col("ht").plus(col("hf"))))
                .as("nmi"));
  }

  private static Dataset<Row> entropy(Dataset<Row> groups, String countColumn, Dataset<Row> total) {
    return groups
        .crossJoin(total)
        .agg(
            coalesce(
                    functions.negate(
                        sum(
                            col(countColumn)
                                .divide(col("n"))
                                .multiply(log(col(countColumn).divide(col("n")))))),
                    lit(0.0))
                .as("h"));
  }

  /**
   * Planted-community recovery over the persons in the social graph.
   *
   * @param truthPersons {@code <truth>/persons.csv} ({@code person_id}, {@code community_id})
   * @param mapping {@link #mapPersons}
   * @param communities gold.communities ({@code person_id}, {@code community_id})
   * @return as {@link #nmi}
   */
  public static Dataset<Row> communityRecovery(
      Dataset<Row> truthPersons, Dataset<Row> mapping, Dataset<Row> communities) {
    SocialTransforms.requireColumns(truthPersons, "truth persons.csv", "person_id", "community_id");
    Dataset<Row> truth =
        truthPersons
            .where(col("community_id").isNotNull())
            .select(col("person_id").as("truth_person_id"), col("community_id").as("truth_label"));
    // One row per graph person: where identity resolution fused truth persons, the first planted
    // community in id order stands for them.
    Dataset<Row> planted =
        truth
            .join(mapping, new String[] {"truth_person_id"}, "inner")
            .groupBy("person_id")
            .agg(min_by(col("truth_label"), col("truth_person_id")).as("truth_label"));
    Dataset<Row> assignments =
        planted
            .join(
                communities.select(col("person_id"), col("community_id").as("found_label")),
                new String[] {"person_id"},
                "inner")
            .select(col("truth_label").cast("string"), col("found_label"));
    return nmi(assignments);
  }

  /**
   * Planted-influencer recovery: the share of planted influencers whose influence percentile is in
   * the top {@code topShare} (percentile &gt;= 1 - topShare). Influencers that resolve to nobody in
   * the graph count as misses.
   *
   * @param truthPersons {@code person_id}, {@code is_influencer}
   * @param mapping {@link #mapPersons}
   * @param influence gold.influence ({@code person_id}, {@code pagerank_percentile})
   * @return one row: {@code influencers}, {@code influencers_in_graph}, {@code influencer_hits},
   *     {@code influencer_hit_rate}
   */
  public static Dataset<Row> influencerRecovery(
      Dataset<Row> truthPersons, Dataset<Row> mapping, Dataset<Row> influence, double topShare) {
    SocialTransforms.requireColumns(
        truthPersons, "truth persons.csv", "person_id", "is_influencer");
    SocialTransforms.requireColumns(influence, "influence", "person_id", "pagerank_percentile");
    Dataset<Row> planted =
        truthPersons
            .where(lower(trim(col("is_influencer").cast("string"))).isin("true", "1", "yes"))
            .select(col("person_id").as("truth_person_id"));
    Dataset<Row> scored =
        planted
            .join(mapping, new String[] {"truth_person_id"}, "left_outer")
            .join(
                influence.select("person_id", "pagerank_percentile"),
                new String[] {"person_id"},
                "left_outer");
    return scored
        .agg(
            count(lit(1)).as("influencers"),
            count(col("pagerank_percentile")).as("influencers_in_graph"),
            sum(when(col("pagerank_percentile").geq(lit(1.0 - topShare)), lit(1L)).otherwise(lit(0L)))
                .as("influencer_hits"))
        .select(
            col("influencers"),
            col("influencers_in_graph"),
            coalesce(col("influencer_hits"), lit(0L)).as("influencer_hits"),
            when(col("influencers").gt(0), col("influencer_hits").divide(col("influencers")))
                .as("influencer_hit_rate"));
  }
}
