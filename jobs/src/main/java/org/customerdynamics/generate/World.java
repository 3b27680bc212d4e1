package org.customerdynamics.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The synthetic population: persons, households, communities, influencers, churners, agents. */
final class World {
  static final String[] CATEGORIES = {
    "electronics", "home", "fashion", "beauty", "sports", "toys", "grocery", "books", "garden"
  };
  static final String NICHE_CATEGORY = "eco-outdoor";
  static final String[] EMAIL_DOMAINS = {"gmail.com", "gmail.com", "yahoo.com", "outlook.com", "mail.example.org"};
  static final String[] FIRST = {
    "anna", "ben", "chloe", "david", "emma", "felix", "grace", "hugo", "iris", "jack", "kate", "liam",
    "maya", "noah", "olga", "paul", "quinn", "rosa", "sam", "tara", "umar", "vera", "will", "yara", "zoe"
  };
  static final String[] LAST = {
    "smith", "jones", "garcia", "muller", "rossi", "dubois", "silva", "kim", "novak", "brown",
    "martin", "lopez", "khan", "ivanova", "nguyen", "cohen", "schmidt", "costa", "moreau", "wilson"
  };
  static final int KIOSKS = 3;
  static final String TRAP_EMAIL = "noreply@example.com";
  static final String TRAP_PHONE = "000-000-0000";

  final Person[] persons;
  final double[] agentQuality;
  final List<int[]> communities = new ArrayList<>();
  final List<Integer> handleHolders = new ArrayList<>();
  int households;

  World(GeneratorOptions o) {
    SplittableRandom r = new SplittableRandom(o.seed());
    int n = o.persons();
    persons = new Person[n];
    int household = 0;
    int householdSize = 0;
    for (int i = 0; i < n; i++) {
      Person p = new Person();
      p.index = i;
      p.personId = String.format("T%07d", i + 1);
      double u = r.nextDouble();
      p.niche = u < 0.04;
      p.customer = p.niche ? r.nextDouble() < 0.08 : r.nextDouble() < 0.68;
      if (i > 0 && householdSize < 4 && r.nextDouble() < 0.12) {
        householdSize++;
      } else {
        household++;
        householdSize = 1;
      }
      p.household = household;
      p.favouriteCategory = p.niche ? NICHE_CATEGORY : CATEGORIES[r.nextInt(CATEGORIES.length)];
      p.activity = Math.exp(0.45 * r.nextGaussian()) * (p.customer ? 1.0 : 0.6) * (p.niche ? 2.4 : 1.0);

      boolean hasEmail = p.customer ? r.nextDouble() < 0.95 : r.nextDouble() < (p.niche ? 0.9 : 0.6);
      if (hasEmail) {
        String first = FIRST[r.nextInt(FIRST.length)];
        String last = LAST[r.nextInt(LAST.length)];
        p.email = first + "." + last + (i + 1) + "@" + EMAIL_DOMAINS[r.nextInt(EMAIL_DOMAINS.length)];
      }
      boolean anchored = p.customer || p.email != null;
      if (p.customer) {
        p.customerId = String.format("CU%07d", 1_000_000 + i * 7 % 9_000_000);
      }
      int cookies = anchored ? 1 + r.nextInt(3) : 1;
      p.cookies = new String[cookies];
      for (int c = 0; c < cookies; c++) {
        p.cookies[c] = "c-" + hex(r, 16);
      }
      boolean hasApp = anchored && r.nextDouble() < (p.customer ? 0.7 : 0.3);
      p.devices = new String[hasApp ? 1 + (r.nextDouble() < 0.3 ? 1 : 0) : 0];
      for (int d = 0; d < p.devices.length; d++) {
        p.devices[d] = "d-" + hex(r, 12);
      }
      if (anchored && r.nextDouble() < (p.customer ? 0.8 : 0.2)) {
        long digits = 2_000_000_000L + (long) i * 104_729L % 7_000_000_000L;
        p.phone = String.format("+1 %03d %03d %04d", digits / 10_000_000, digits / 10_000 % 1000, digits % 10_000);
      }
      if (p.customer && r.nextDouble() < 0.6) {
        p.loyaltyId = String.format("LC%08d", 10_000_000 + i * 13 % 89_000_000);
      }
      if (r.nextDouble() < 0.55 || p.niche) {
        p.handle = "@" + FIRST[r.nextInt(FIRST.length)] + "_" + Integer.toString(i + 1, 36);
        handleHolders.add(i);
      }
      p.marketingConsent = p.email != null && r.nextDouble() < 0.75;
      if (p.email != null && r.nextDouble() < 0.05) {
        p.unsubscribed = true;
        p.unsubscribeDay = r.nextInt(o.days());
      }
      p.channelWeights = channelWeights(p, r);
      persons[i] = p;
    }
    households = household;

    // Communities over the persons with a social handle, in a seeded shuffle.
    int[] order = handleHolders.stream().mapToInt(Integer::intValue).toArray();
    for (int k = order.length - 1; k > 0; k--) {
      int j = r.nextInt(k + 1);
      int t = order[k];
      order[k] = order[j];
      order[j] = t;
    }
    int pos = 0;
    while (pos < order.length) {
      int size = Math.min(order.length - pos, 20 + r.nextInt(61));
      if (order.length - pos - size < 20) {
        size = order.length - pos;
      }
      int[] members = new int[size];
      System.arraycopy(order, pos, members, 0, size);
      int id = communities.size();
      communities.add(members);
      for (int m : members) {
        persons[m].community = id;
      }
      persons[members[0]].influencer = true;
      pos += size;
    }

    // Churn: higher in a fifth of the communities, so that churn spreads through neighbours.
    boolean[] atRisk = new boolean[communities.size()];
    for (int c = 0; c < atRisk.length; c++) {
      atRisk[c] = r.nextDouble() < 0.2;
    }
    for (Person p : persons) {
      double prob = p.community >= 0 && atRisk[p.community] ? 0.35 : 0.1;
      if (p.customer && !p.influencer && o.days() >= 14 && r.nextDouble() < prob) {
        p.churner = true;
        int lo = (int) (o.days() * 0.25);
        int hi = (int) (o.days() * 1.3);
        p.churnDay = lo + r.nextInt(Math.max(1, hi - lo));
        p.silent = r.nextDouble() < 0.5;
        p.explicitCancel = r.nextDouble() < 0.5;
      }
    }

    // Who follows, mentions and shares whom: mostly inside the community, influencers favoured.
    for (int c = 0; c < communities.size(); c++) {
      int[] members = communities.get(c);
      for (int m : members) {
        int k = 2 + r.nextInt(5);
        int[] targets = new int[k];
        for (int t = 0; t < k; t++) {
          int target;
          if (r.nextDouble() < 0.9) {
            target = r.nextDouble() < 0.35 ? members[0] : members[r.nextInt(members.length)];
          } else {
            target = order[r.nextInt(order.length)];
          }
          if (target == m) {
            target = members[(indexOf(members, m) + 1) % members.length];
          }
          targets[t] = target;
        }
        persons[m].following = targets;
      }
    }

    agentQuality = new double[40];
    for (int a = 0; a < agentQuality.length; a++) {
      agentQuality[a] = 0.35 + 0.6 * r.nextDouble();
    }
  }

  private static int indexOf(int[] a, int v) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == v) {
        return i;
      }
    }
    return 0;
  }

  /** Weights in the order of {@link Generator#CHANNELS}; only channels the person can use. */
  private static double[] channelWeights(Person p, SplittableRandom r) {
    double[] w = new double[Generator.CHANNELS.length];
    w[0] = 3 + r.nextDouble() * 3; // web
    w[1] = p.devices.length > 0 ? 2 + r.nextDouble() * 4 : 0; // mobile_app
    w[2] = p.customer ? 1 + r.nextDouble() * 2 : 0; // store
    w[3] = p.loyaltyId != null ? 0.3 : 0; // kiosk
    w[4] = 0; // call_center: driven by support needs
    w[5] = 0; // chat: driven by support needs
    w[6] = 0; // email: driven by campaigns
    w[7] = 0; // social: driven by the graph
    w[8] = p.customer && p.devices.length > 0 && r.nextDouble() < 0.25 ? 1 : 0; // iot
    if (p.niche) {
      w[0] *= 2;
    }
    return w;
  }

  static String hex(SplittableRandom r, int len) {
    StringBuilder sb = new StringBuilder(len);
    for (int i = 0; i < len; i++) {
      sb.append(Character.forDigit(r.nextInt(16), 16));
    }
    return sb.toString();
  }
}
