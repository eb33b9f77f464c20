// The backend contract suites on the aws backend, against dynalite and fauxqs.
#include "wagate/backends/aws/aws_test_backend.h"
#include "wagate/testing/contract/admit_contract.h"
#include "wagate/testing/contract/queue_contract.h"
#include "wagate/testing/contract/work_store_contract.h"

namespace wagate::aws {
namespace {

using testing::AdmitContractTest;
using testing::QueueContractTest;
using testing::WorkStoreContractTest;

INSTANTIATE_TEST_SUITE_P(Aws, AdmitContractTest, ::testing::Values(MakeAwsTestBackend));
INSTANTIATE_TEST_SUITE_P(Aws, WorkStoreContractTest, ::testing::Values(MakeAwsTestBackend));
INSTANTIATE_TEST_SUITE_P(Aws, QueueContractTest, ::testing::Values(MakeAwsQueueTestBackend));

}  // namespace
}  // namespace wagate::aws
