import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces with Kafka's own Java client (the kafka-clients jar of the local broker), so tests see record
 * batches exactly as Java producers write them. Test code only (packages/kafka/src/testing.ts compiles and
 * runs it). Usage: JavaTestProducer <bootstrap> <topic> <compression.type> <file of "key TAB value" lines>
 */
public final class JavaTestProducer {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, args[2]);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    // Batches of many records, as a busy producer sends them: the codec compresses the whole batch.
    props.put(ProducerConfig.LINGER_MS_CONFIG, "50");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    List<String> lines = Files.readAllLines(Paths.get(args[3]), StandardCharsets.UTF_8);
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (String line : lines) {
        if (line.isEmpty()) continue;
        int tab = line.indexOf('\t');
        String key = tab < 0 ? null : line.substring(0, tab);
        String value = tab < 0 ? line : line.substring(tab + 1);
        sent.add(producer.send(new ProducerRecord<>(args[1], key, value)));
      }
      producer.flush();
      // Every record acknowledged, or the run fails (exit 1 with the broker's error).
      for (Future<RecordMetadata> result : sent) result.get();
    }
    System.out.println("sent " + sent.size());
  }
}
