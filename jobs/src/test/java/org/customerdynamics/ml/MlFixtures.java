package org.customerdynamics.ml;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.generate.TextMaker;
import org.customerdynamics.testing.SilverInteractions;

/**
 * Readable builders of silver.interactions rows, and a seeded simulation of the behaviours the
 * generator plants (churners whose engagement drops over the 21 days before churn, half of them
 * cancelling explicitly and half silent; a niche of engaged prospects around eco-outdoor; text from
 * the generator's own TextMaker, whose words carry the sentiment of its rating).
 */
final class MlFixtures {
  private MlFixtures() {}

  static final StructType SCHEMA =
      SilverInteractions.columns(
          "event_id", "event_time", "event_date", "source", "channel", "event_type", "customer_key", "loyalty_key",
          "product_id", "category", "amount", "text", "rating", "agent_id", "session_id", "person_id");

  /** One event, built fluently: {@code ev("p1", "2026-01-05", "web", "purchase").amount(20)}. */
  static final class Ev {
    private static long counter;
    final String id = "e" + (++counter);
    final String person;
    final LocalDate date;
    final int second;
    final String channel;
    final String type;
    String customerKey;
    String loyaltyKey;
    String category;
    Double amount;
    String text;
    Integer rating;
    String session;

    Ev(String person, LocalDate date, int second, String channel, String type) {
      this.person = person;
      this.date = date;
      this.second = second;
      this.channel = channel;
      this.type = type;
    }

    Ev customer(String key) { this.customerKey = key; return this; }
    Ev loyalty(String key) { this.loyaltyKey = key; return this; }
    Ev category(String c) { this.category = c; return this; }
    Ev amount(double a) { this.amount = a; return this; }
    Ev text(String t) { this.text = t; return this; }
    Ev rating(int r) { this.rating = r; return this; }
    Ev session(String s) { this.session = s; return this; }

    Row row() {
      Timestamp t = Timestamp.valueOf(date.atStartOfDay().plusSeconds(second));
      return RowFactory.create(
          id, t, Date.valueOf(date), "test", channel, type, customerKey, loyaltyKey, null, category, amount, text,
          rating, null, session != null ? session : person + "-" + date, person);
    }
  }

  static Ev ev(String person, String date, String channel, String type) {
    return new Ev(person, LocalDate.parse(date), 36_000, channel, type);
  }

  static Dataset<Row> frame(SparkSession spark, List<Ev> events) {
    return spark.createDataFrame(events.stream().map(Ev::row).toList(), SCHEMA);
  }

  static Dataset<Row> rows(SparkSession spark, List<Row> rows) {
    return spark.createDataFrame(rows, SCHEMA);
  }

  // ------------------------------------------------------------------ seeded population simulation

  static final String[] CATEGORIES = {"electronics", "home", "fashion", "beauty", "sports", "toys", "grocery", "books", "garden"};
  static final String NICHE = "eco-outdoor";

  /** The simulated population: its events and its ground truth. */
  record Population(List<Row> events, Map<String, Integer> churnDay, List<String> niche, List<String> customers) {}

  /**
   * {@code persons} persons over {@code days} days from {@code start}: 68% customers (of whom 15%
   * churn at a day in [0.25, 1.3] × days), 4% niche prospects (8% of them customers).
   */
  static Population simulate(long seed, int persons, int days, LocalDate start) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    Map<String, Integer> churnDay = new HashMap<>();
    List<String> niche = new ArrayList<>();
    List<String> customers = new ArrayList<>();
    long id = 0;
    for (int i = 0; i < persons; i++) {
      String p = String.format("P%05d", i);
      boolean isNiche = r.nextDouble() < 0.04;
      boolean customer = isNiche ? r.nextDouble() < 0.08 : r.nextDouble() < 0.68;
      String fav = isNiche ? NICHE : CATEGORIES[r.nextInt(CATEGORIES.length)];
      double activity = Math.exp(0.45 * gaussian(r)) * (customer ? 1.0 : 0.6) * (isNiche ? 2.4 : 1.0);
      boolean churner = customer && r.nextDouble() < 0.15;
      int churn = churner ? (int) (days * 0.25) + r.nextInt((int) (days * 1.05)) : Integer.MAX_VALUE;
      boolean silent = r.nextBoolean();
      boolean cancel = r.nextBoolean();
      boolean consent = r.nextDouble() < 0.75;
      String ck = customer ? "cu-" + p : null;
      String lk = customer && r.nextDouble() < 0.6 ? "lo-" + p : null;
      if (isNiche) niche.add(p);
      if (customer) customers.add(p);
      if (churner && churn < days) churnDay.put(p, churn);
      for (int d = 0; d < days; d++) {
        LocalDate date = start.plusDays(d);
        if (d >= churn) {
          if (d == churn && cancel) {
            rows.add(row(++id, p, date, 9 * 3600, "web", "subscription_cancel", ck, null, null, null, null, null, 0));
          }
          break;
        }
        double engagement = churner && churn - d <= 21 ? 0.15 + 0.85 * ((churn - d) / 21.0) : 1.0;
        int mood = churner && churn - d <= 28 ? -1 : isNiche ? 1 : 0;
        int sessions = poisson(r, 1.2 * activity * engagement / 2.6);
        for (int s = 0; s < sessions; s++) {
          int t = r.nextInt(80_000);
          String cat = r.nextDouble() < 0.7 ? fav : CATEGORIES[r.nextInt(CATEGORIES.length)];
          double u = r.nextDouble();
          String channel = u < 0.5 ? "web" : u < 0.8 ? "mobile_app" : customer ? "store" : "web";
          String sess = p + "-" + d + "-" + s;
          if (channel.equals("store")) {
            rows.add(row(++id, p, date, t, "store", "purchase", r.nextDouble() < 0.6 ? ck : null, lk, cat, 20 + r.nextInt(100) * 1.0, null, null, s, sess));
            continue;
          }
          int n = 1 + r.nextInt(isNiche ? 7 : 5);
          for (int k = 0; k < n; k++) {
            double v = r.nextDouble();
            String type = k == 0 || v < 0.55 ? "page_view" : v < 0.75 ? "search" : "add_to_cart";
            rows.add(row(++id, p, date, t + k * 60, channel, type, customer && r.nextBoolean() ? ck : null, null, cat, null, null, null, s, sess));
          }
          if ((customer && !isNiche && r.nextDouble() < 0.22) || (isNiche && r.nextDouble() < 0.01)) {
            rows.add(row(++id, p, date, t + n * 60, channel, "purchase", customer ? ck : null, null, cat, 20 + r.nextInt(100) * 1.0, null, null, s, sess));
          }
        }
        if (consent && r.nextDouble() < 0.18 * engagement * (isNiche ? 2.5 : 1)) {
          rows.add(row(++id, p, date, 50_000, "email", "email_open", null, null, null, null, null, null, 0));
          if (r.nextDouble() < (isNiche ? 0.7 : 0.3)) {
            rows.add(row(++id, p, date, 50_100, "email", "email_click", null, null, fav, null, null, null, 0));
          }
        }
        if (r.nextDouble() < 0.12 * Math.max(engagement, 0.5)) {
          int textMood = mood != 0 ? mood : (r.nextDouble() < 0.6 ? 1 : 0);
          rows.add(row(++id, p, date, 60_000, "social", "social_post", null, null, null, null, TextMaker.sentence(r, textMood, fav), null, 0));
        }
        double support = customer ? 0.015 : 0.002;
        if (churner && !silent && mood < 0) {
          support = 0.12;
        }
        if (r.nextDouble() < support) {
          boolean complaint = mood < 0 && !silent;
          rows.add(row(++id, p, date, 40_000, "call_center", complaint ? "complaint" : "support_contact", ck, null, null, null,
              TextMaker.sentence(r, complaint ? -1 : r.nextBoolean() ? 1 : 0, fav), null, 0));
        }
        if (r.nextDouble() < (customer ? 0.03 : 0.008) * (mood < 0 ? 2 : 1)) {
          int rating = TextMaker.rating(r, mood);
          int textMood = mood == 0 ? (rating <= 2 ? -1 : rating >= 4 ? 1 : 0) : mood;
          rows.add(row(++id, p, date, 70_000, "web", "review", ck, null, fav, null, TextMaker.sentence(r, textMood, fav), rating, 0));
        }
      }
    }
    return new Population(rows, churnDay, niche, customers);
  }

  private static Row row(long id, String p, LocalDate date, int second, String channel, String type, String ck, String lk,
      String category, Double amount, String text, Integer rating, int s) {
    return row(id, p, date, second, channel, type, ck, lk, category, amount, text, rating, s, p + "-" + date + "-x");
  }

  private static Row row(long id, String p, LocalDate date, int second, String channel, String type, String ck, String lk,
      String category, Double amount, String text, Integer rating, int s, String session) {
    return RowFactory.create(
        "sim:" + id, Timestamp.valueOf(date.atStartOfDay().plusSeconds(second)), Date.valueOf(date), "sim", channel, type,
        ck, lk, null, category, amount, text, rating, null, session, p);
  }

  private static int poisson(SplittableRandom r, double lambda) {
    double l = Math.exp(-lambda);
    int k = 0;
    double p = 1;
    do {
      k++;
      p *= r.nextDouble();
    } while (p > l);
    return k - 1;
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }
}
