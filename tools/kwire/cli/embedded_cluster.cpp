// Embedded cluster on librdkafka's mock cluster C API (see embedded_cluster.hpp).
#include "cli/embedded_cluster.hpp"

#ifdef KWIRE_TOOL_WITH_RDKAFKA
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif

namespace kwire::tool {

#ifdef KWIRE_TOOL_WITH_RDKAFKA

struct EmbeddedCluster::Handles {
  rd_kafka_t* owner = nullptr;  // the mock cluster lives inside an rd_kafka_t
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Handles() {
    if (cluster) rd_kafka_mock_cluster_destroy(cluster);
    if (owner) rd_kafka_destroy(owner);
  }
};

bool EmbeddedCluster::available() noexcept { return true; }

std::unique_ptr<EmbeddedCluster> EmbeddedCluster::start(int brokers, std::string& error) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The owning handle never talks to the cluster itself: keep it quiet.
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
  auto handles = std::make_unique<Handles>();
  handles->owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!handles->owner) {
    rd_kafka_conf_destroy(conf);
    error = std::string("cannot create the mock cluster's owner: ") + errstr;
    return nullptr;
  }
  handles->cluster = rd_kafka_mock_cluster_new(handles->owner, brokers);
  if (!handles->cluster) {
    error = "librdkafka could not start a mock cluster";
    return nullptr;
  }
  std::unique_ptr<EmbeddedCluster> c(new EmbeddedCluster());
  c->bootstrap_ = rd_kafka_mock_cluster_bootstraps(handles->cluster);
  c->brokers_ = brokers;
  c->handles_ = std::move(handles);
  return c;
}

bool EmbeddedCluster::create_topic(const std::string& name, int partitions, std::string& error) {
  auto err = rd_kafka_mock_topic_create(handles_->cluster, name.c_str(), partitions, 1);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  error = rd_kafka_err2str(err);
  return false;
}

#else  // built without librdkafka: no embedded cluster

struct EmbeddedCluster::Handles {};

bool EmbeddedCluster::available() noexcept { return false; }

std::unique_ptr<EmbeddedCluster> EmbeddedCluster::start(int, std::string& error) {
  error = "this kwire was built without librdkafka, so it has no embedded cluster; give brokers with -b";
  return nullptr;
}

bool EmbeddedCluster::create_topic(const std::string&, int, std::string& error) {
  error = "no embedded cluster";
  return false;
}

#endif

EmbeddedCluster::~EmbeddedCluster() = default;

}  // namespace kwire::tool
