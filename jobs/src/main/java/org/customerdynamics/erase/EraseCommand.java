package org.customerdynamics.erase;

import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx erase}. */
@Command(
    name = "erase",
    mixinStandardHelpOptions = true,
    description = {
      "Removes a person from every lakehouse table and the serving database (right to erasure), and",
      "records the erasure in gold.erasure_log without personal data. Old Delta file versions keep the",
      "data until VACUUM: see docs/erasure.md."
    })
public final class EraseCommand extends JobCommand {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  static final class Target {
    @Option(names = "--person", paramLabel = "PERSON_ID", description = "The person_id to erase.")
    String person;

    @Option(
        names = "--identifier",
        paramLabel = "TYPE:VALUE",
        description =
            "A raw identifier: email:, phone:, customer:, loyalty:, device:, cookie: or social: and the value;"
                + " normalised and keyed as refine does, its person erased, and rows holding it removed.")
    String identifier;
  }

  @Override
  protected boolean needsRunDate() {
    return false;
  }

  EraseJob.Subject subject() {
    return target.person != null
        ? EraseJob.Subject.person(target.person.strip())
        : EraseJob.Subject.identifier(target.identifier);
  }

  @Override
  protected void validate(CdxConfig config) {
    subject();
    config.privacy().hashKey();
  }

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    new EraseJob(spark, config).run(subject());
  }
}
