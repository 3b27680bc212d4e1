package org.customerdynamics.social;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.ParallelWrites;
import org.customerdynamics.common.config.CdxConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The social graph job ({@code cdx social --run-date D [--truth DIR]}): reads silver.interactions and
 * silver.identity_map, writes gold.social_edges, gold.influence, gold.communities,
 * gold.community_profiles, gold.graph_features and gold.social_quality, each replacing the rows of
 * run date {@code D} (so a rerun of a day gives the same tables). Optional inputs:
 * gold.sentiment_scores and gold.churn_labels (rows of {@code D} where they carry a {@code run_date}
 * or {@code snapshot_date}).
 */
public final class SocialJob {
  /** Tables written, in order. */
  public static final List<String> OUTPUTS =
      List.of(
          "gold.social_edges",
          "gold.influence",
          "gold.communities",
          "gold.community_profiles",
          "gold.graph_features",
          "gold.social_quality");

  private static final int HLL_LG_K = 12;

  private static final Logger LOG = LoggerFactory.getLogger(SocialJob.class);
  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;
  private String currentPhase;
  private long phaseStarted;

  public SocialJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
  }

  /**
   * The figures of one run (also the row of gold.social_quality).
   *
   * @param nmi null without ground truth
   * @param influencerHitRate null without ground truth
   */
  public record Summary(
      LocalDate runDate,
      long persons,
      long edges,
      long socialEvents,
      long unresolvedEvents,
      int pagerankIterations,
      boolean pagerankConverged,
      double pagerankDelta,
      boolean reachExact,
      long twoHopPaths,
      int lpaIterations,
      String lpaStop,
      int mergeRounds,
      long communities,
      double modularityLpa,
      double modularity,
      Long truthPersonsScored,
      Long truthCommunities,
      Double nmi,
      Long influencers,
      Long influencersInGraph,
      Long influencerHits,
      Double influencerHitRate,
      double influencerTopShare) {
    /** The lines printed at the end of a run. */
    public String describe() {
      StringBuilder s = new StringBuilder();
      s.append(
          String.format(
              Locale.ROOT,
              "social %s: %d persons, %d edges from %d person-to-person events (%d unresolved)%n",
              runDate,
              persons,
              edges,
              socialEvents,
              unresolvedEvents));
      s.append(
          String.format(
              Locale.ROOT,
              "influence: PageRank %d iterations (%s, last L1 change %.2e); reach %s%n",
              pagerankIterations,
              pagerankConverged ? "converged" : "iteration cap",
              pagerankDelta,
              reachExact ? "exact" : "HyperLogLog estimate"));
      s.append(
          String.format(
              Locale.ROOT,
              "communities: %d, modularity %.4f (label propagation %.4f, %d steps, %s; %d merge"
                  + " rounds)",
              communities,
              modularity,
              modularityLpa,
              lpaIterations,
              lpaStop,
              mergeRounds));
      if (nmi != null || influencerHitRate != null) {
        s.append(
            String.format(
                Locale.ROOT,
                "%nground truth: community NMI %s over %d persons (%d planted communities);"
                    + " planted influencers in the top %.0f%% by influence: %s (%d of %d)",
                nmi == null ? "n/a" : String.format(Locale.ROOT, "%.4f", nmi),
                truthPersonsScored,
                truthCommunities,
                influencerTopShare * 100,
                influencerHitRate == null
                    ? "n/a"
                    : String.format(Locale.ROOT, "%.4f", influencerHitRate),
                influencerHits,
                influencers));
      }
      return s.toString();
    }
  }

  /**
   * Builds the social graph of the window ending at {@code runDate}.
   *
   * @param truthDir the generator's ground-truth folder ({@code persons.csv}, {@code
   *     identifiers.csv}); when given, community and influencer recovery are scored and stored
   */
  public Summary run(LocalDate runDate, Optional<String> truthDir) {
    SocialConfig social = config.social();
    truthDir.ifPresent(this::checkTruth);
    String dateFilter = "run_date = DATE'" + runDate + "'";

    phase("read silver.interactions and silver.identity_map");
    Dataset<Row> interactions = lakehouse.read("silver.interactions");
    // The identity job names the identifier column `node` (`<type>:<key>`); the social transforms
    // call it `identifier`.
    Dataset<Row> identityMap = lakehouse.read("silver.identity_map").withColumnRenamed("node", "identifier");
    SocialTransforms.requireColumns(
        interactions,
        "silver.interactions",
        SocialTransforms.INTERACTION_COLUMNS.toArray(new String[0]));

    phase("resolve person-to-person events");
    Dataset<Row> events =
        SocialTransforms.socialEvents(
                interactions,
                identityMap,
                runDate,
                social.windowDays(),
                social.eventWeights().keySet(),
                social.reversedEventTypes())
            .persist(StorageLevel.MEMORY_AND_DISK());
    Row eventCounts =
        events
            .agg(
                count(lit(1)),
                sum(
                    when(
                            col("src_person_id").isNull().or(col("dst_person_id").isNull()),
                            lit(1L))
                        .otherwise(lit(0L))))
            .first();
    long socialEvents = eventCounts.getLong(0);
    long unresolved = eventCounts.isNullAt(1) ? 0 : eventCounts.getLong(1);

    phase("write gold.social_edges");
    lakehouse.replaceWhere(
        SocialTransforms.socialEdges(events, runDate, social.halfLifeDays(), social.eventWeights()),
        "gold.social_edges",
        dateFilter,
        "run_date");
    events.unpersist();
    Dataset<Row> socialEdges = lakehouse.read("gold.social_edges").where(dateFilter);
    Dataset<Row> edges = SocialTransforms.algorithmEdges(socialEdges);
    long edgeCount = edges.count();

    // PageRank and two-hop reach (gold.influence) and the communities (gold.communities) each read
    // the edges alone: they are computed and written side by side (spark.write-threads).
    phase("PageRank and two-hop reach (gold.influence); communities: label propagation and merges");
    PageRank.Result[] ranked = new PageRank.Result[1];
    long[] twoHop = new long[1];
    Communities.Result[] detected = new Communities.Result[1];
    new ParallelWrites(spark, config.spark().writeThreads())
        .add("gold.influence", () -> {
          ranked[0] =
              PageRank.run(
                  edges,
                  social.damping(),
                  social.tolerance(),
                  social.maxIterations(),
                  social.checkpointEvery(),
                  social.singleTaskMaxEdges());
          twoHop[0] = SocialTransforms.twoHopPaths(edges).first().getLong(0);
          boolean exactReach = twoHop[0] <= social.reachExactMaxPaths();
          Dataset<Row> reach =
              exactReach ? SocialTransforms.reachExact(edges) : SocialTransforms.reachApprox(edges, HLL_LG_K);
          lakehouse.replaceWhere(
              SocialTransforms.influence(ranked[0].ranks(), edges, reach, runDate, exactReach),
              "gold.influence",
              dateFilter,
              "run_date");
        })
        .add("gold.communities", () -> {
          detected[0] =
              Communities.detect(
                  edges,
                  social.lpaMaxIterations(),
                  social.mergeCommunities(),
                  social.mergeMaxRounds(),
                  social.checkpointEvery(),
                  social.singleTaskMaxEdges());
          lakehouse.replaceWhere(
              SocialTransforms.communities(detected[0].labels(), runDate),
              "gold.communities",
              dateFilter,
              "run_date");
        })
        .run();
    PageRank.Result ranks = ranked[0];
    long paths = twoHop[0];
    boolean exact = paths <= social.reachExactMaxPaths();
    Communities.Result found = detected[0];
    Dataset<Row> influence = lakehouse.read("gold.influence").where(dateFilter);
    Dataset<Row> communities = lakehouse.read("gold.communities").where(dateFilter);
    long communityCount = communities.select("community_id").distinct().count();

    phase("person facts");
    Dataset<Row> facts =
        SocialTransforms.personFacts(
                interactions,
                optional("gold.sentiment_scores", runDate),
                optional("gold.churn_labels", runDate),
                runDate,
                social.churnInactivityDays())
            .join(communities.select("person_id"), new String[] {"person_id"}, "left_semi")
            .persist(StorageLevel.MEMORY_AND_DISK());

    phase("write gold.community_profiles and gold.graph_features");
    new ParallelWrites(spark, config.spark().writeThreads())
        .add("gold.community_profiles", () ->
            lakehouse.replaceWhere(
                SocialTransforms.communityProfiles(
                    communities,
                    influence,
                    facts,
                    SocialTransforms.purchases(interactions, runDate, social.windowDays()),
                    runDate,
                    social.topItems(),
                    social.advocateTopShare(),
                    social.advocateMinSentiment()),
                "gold.community_profiles",
                dateFilter,
                "run_date"))
        .add("gold.graph_features", () ->
            lakehouse.replaceWhere(
                SocialTransforms.graphFeatures(edges, communities, influence, facts, runDate),
                "gold.graph_features",
                dateFilter,
                "run_date"))
        .run();
    facts.unpersist();

    Row recovery = null;
    Row influencers = null;
    if (truthDir.isPresent()) {
      phase("score against ground truth");
      Identifiers.register(spark, config.privacy().hashKey(), config.refine().defaultCountryCode());
      Dataset<Row> truthPersons = readCsv(truthDir.get() + "/persons.csv");
      Dataset<Row> truthIds = readCsv(truthDir.get() + "/identifiers.csv");
      Dataset<Row> mapping =
          SocialScoring.mapPersons(SocialScoring.keyIdentifiers(truthIds), identityMap)
              .persist(StorageLevel.MEMORY_AND_DISK());
      recovery = SocialScoring.communityRecovery(truthPersons, mapping, communities).first();
      influencers =
          SocialScoring.influencerRecovery(
                  truthPersons, mapping, influence, social.influencerTopShare())
              .first();
      mapping.unpersist();
    }
    Summary summary =
        new Summary(
            runDate,
            ranks.vertices(),
            edgeCount,
            socialEvents,
            unresolved,
            ranks.iterations(),
            ranks.converged(),
            ranks.delta(),
            exact,
            paths,
            found.iterations(),
            found.stop(),
            found.mergeRounds(),
            communityCount,
            found.modularityLpa(),
            found.modularity(),
            recovery == null ? null : recovery.getLong(0),
            recovery == null ? null : recovery.getLong(1),
            recovery == null || recovery.isNullAt(3) ? null : recovery.getDouble(3),
            influencers == null ? null : influencers.getLong(0),
            influencers == null ? null : influencers.getLong(1),
            influencers == null ? null : influencers.getLong(2),
            influencers == null || influencers.isNullAt(3) ? null : influencers.getDouble(3),
            social.influencerTopShare());
    phase("write gold.social_quality");
    lakehouse.replaceWhere(qualityRow(summary), "gold.social_quality", dateFilter);
    phase(null);
    return summary;
  }

  /** Names the Spark jobs of the next phase and logs how long the previous one took. */
  private void phase(String description) {
    long now = System.nanoTime();
    if (currentPhase != null) {
      LOG.info("social: {} took {} s", currentPhase, String.format(Locale.ROOT, "%.1f", (now - phaseStarted) / 1e9));
    }
    currentPhase = description;
    phaseStarted = now;
    if (description != null) {
      LOG.info("social: {}", description);
    }
    spark.sparkContext().setJobDescription(description == null ? null : "social: " + description);
  }

  /** An optional input table, restricted to the run date where it carries one. */
  private Optional<Dataset<Row>> optional(String table, LocalDate runDate) {
    if (!lakehouse.exists(table)) {
      return Optional.empty();
    }
    Dataset<Row> data = lakehouse.read(table);
    for (String dateColumn : List.of("run_date", "snapshot_date")) {
      if (List.of(data.columns()).contains(dateColumn)) {
        return Optional.of(data.where(col(dateColumn).equalTo(lit(runDate))));
      }
    }
    return Optional.of(data);
  }

  private void checkTruth(String dir) {
    readCsv(dir + "/persons.csv");
    readCsv(dir + "/identifiers.csv");
  }

  private Dataset<Row> readCsv(String path) {
    try {
      return spark.read().option("header", "true").option("inferSchema", "false").csv(path);
    } catch (Exception e) {
      if (!(e instanceof AnalysisException)) {
        throw e;
      }
      throw new CdxException(
          "Cannot score against the ground truth: cannot read "
              + path
              + " ("
              + ((AnalysisException) e).getErrorClass()
              + "); pass --truth pointing at the folder the generator wrote (persons.csv,"
              + " identifiers.csv)",
          e);
    }
  }

  private Dataset<Row> qualityRow(Summary s) {
    List<StructField> fields = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    add(fields, values, "run_date", DataTypes.DateType, java.sql.Date.valueOf(s.runDate()));
    add(fields, values, "persons", DataTypes.LongType, s.persons());
    add(fields, values, "edges", DataTypes.LongType, s.edges());
    add(fields, values, "social_events", DataTypes.LongType, s.socialEvents());
    add(fields, values, "unresolved_events", DataTypes.LongType, s.unresolvedEvents());
    add(fields, values, "pagerank_iterations", DataTypes.IntegerType, s.pagerankIterations());
    add(fields, values, "pagerank_converged", DataTypes.BooleanType, s.pagerankConverged());
    add(fields, values, "pagerank_delta", DataTypes.DoubleType, s.pagerankDelta());
    add(fields, values, "reach_exact", DataTypes.BooleanType, s.reachExact());
    add(fields, values, "two_hop_paths", DataTypes.LongType, s.twoHopPaths());
    add(fields, values, "lpa_iterations", DataTypes.IntegerType, s.lpaIterations());
    add(fields, values, "lpa_stop", DataTypes.StringType, s.lpaStop());
    add(fields, values, "merge_rounds", DataTypes.IntegerType, s.mergeRounds());
    add(fields, values, "communities", DataTypes.LongType, s.communities());
    add(fields, values, "modularity_lpa", DataTypes.DoubleType, s.modularityLpa());
    add(fields, values, "modularity", DataTypes.DoubleType, s.modularity());
    add(fields, values, "truth_persons_scored", DataTypes.LongType, s.truthPersonsScored());
    add(fields, values, "truth_communities", DataTypes.LongType, s.truthCommunities());
    add(fields, values, "nmi", DataTypes.DoubleType, s.nmi());
    add(fields, values, "influencers", DataTypes.LongType, s.influencers());
    add(fields, values, "influencers_in_graph", DataTypes.LongType, s.influencersInGraph());
    add(fields, values, "influencer_hits", DataTypes.LongType, s.influencerHits());
    add(fields, values, "influencer_hit_rate", DataTypes.DoubleType, s.influencerHitRate());
    add(fields, values, "influencer_top_share", DataTypes.DoubleType, s.influencerTopShare());
    return spark.createDataFrame(
        List.of(RowFactory.create(values.toArray())), new StructType(fields.toArray(new StructField[0])));
  }

  private static void add(
      List<StructField> fields, List<Object> values, String name, DataType type, Object value) {
    fields.add(DataTypes.createStructField(name, type, true));
    values.add(value);
  }
}
