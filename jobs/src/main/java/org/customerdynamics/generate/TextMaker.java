package org.customerdynamics.generate;

import java.util.SplittableRandom;

/** Feedback and social text whose words carry the sentiment the ground truth says. */
public final class TextMaker {
  private static final String[] POSITIVE = {
    "love", "great", "excellent", "fast", "helpful", "amazing", "happy", "perfect", "recommend",
    "friendly", "reliable", "fantastic", "smooth", "quality", "delighted", "best", "easy", "thanks"
  };
  private static final String[] NEGATIVE = {
    "terrible", "slow", "broken", "rude", "awful", "disappointed", "refund", "worst", "never",
    "useless", "angry", "late", "waste", "poor", "cancel", "horrible", "frustrating", "missing"
  };
  private static final String[] NEUTRAL = {
    "the", "order", "delivery", "product", "store", "app", "service", "price", "team", "was",
    "it", "my", "with", "and", "this", "today", "again", "item", "support", "size"
  };

  private TextMaker() {}

  /** A sentence of 6–14 words; mood -1 negative, 0 mixed/neutral, 1 positive. */
  public static String sentence(SplittableRandom r, int mood, String topic) {
    int n = 6 + r.nextInt(9);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      double u = r.nextDouble();
      String w;
      if (u < 0.35) {
        w = mood > 0 ? pick(r, POSITIVE) : mood < 0 ? pick(r, NEGATIVE) : (r.nextBoolean() ? pick(r, POSITIVE) : pick(r, NEGATIVE));
      } else if (u < 0.42) {
        w = mood > 0 ? pick(r, NEGATIVE) : mood < 0 ? pick(r, POSITIVE) : pick(r, NEUTRAL);
      } else if (u < 0.5) {
        w = topic;
      } else {
        w = pick(r, NEUTRAL);
      }
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(w);
    }
    return sb.toString();
  }

  /** Rating 1–5 consistent with the mood. */
  public static int rating(SplittableRandom r, int mood) {
    if (mood < 0) {
      return r.nextDouble() < 0.85 ? 1 + r.nextInt(2) : 3;
    }
    if (mood > 0) {
      return r.nextDouble() < 0.85 ? 4 + r.nextInt(2) : 3;
    }
    double u = r.nextDouble();
    return u < 0.15 ? 2 : u < 0.4 ? 3 : u < 0.75 ? 4 : 5;
  }

  /** The mood that a rating reflects, for neutral persons whose text follows their rating. */
  static int moodOfRating(int rating) {
    return rating <= 2 ? -1 : rating >= 4 ? 1 : 0;
  }

  private static String pick(SplittableRandom r, String[] words) {
    return words[r.nextInt(words.length)];
  }
}
