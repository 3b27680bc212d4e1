package org.customerdynamics.generate;

/** One synthetic person: who they truly are (ground truth) and the identifiers they use. */
final class Person {
  int index;
  String personId;
  boolean customer;
  boolean niche;
  boolean influencer;
  boolean churner;
  boolean silent;
  boolean explicitCancel;
  int churnDay = Integer.MAX_VALUE;
  int community = -1;
  int household;
  double activity;
  String favouriteCategory;

  String customerId;
  String[] cookies;
  String[] devices;
  String email;
  String phone;
  String loyaltyId;
  String handle;
  boolean marketingConsent;
  boolean unsubscribed;
  int unsubscribeDay = Integer.MAX_VALUE;

  /** Channel preference weights in the order of {@link Generator#CHANNELS}. */
  double[] channelWeights;

  int[] following = new int[0];

  boolean activeOn(int day) {
    return day < churnDay;
  }

  /** 1 in normal times, dropping towards 0.15 in the two weeks before churn. */
  double engagementOn(int day) {
    if (!churner) {
      return 1.0;
    }
    int before = churnDay - day;
    if (before <= 0) {
      return 0.0;
    }
    if (before > 21) {
      return 1.0;
    }
    return 0.15 + 0.85 * (before / 21.0);
  }

  /** Sentiment the person expresses on a day: negative when drifting to churn. */
  int moodOn(int day) {
    if (churner && churnDay - day <= 28) {
      return -1;
    }
    return niche ? 1 : 0;
  }
}
