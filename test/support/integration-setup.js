/** Refuses to run the integration suite without a PostgreSQL server to run it on. */
module.exports = async () => {
  if (!process.env.DATABASE_URL) {
    throw new Error('test:integration needs DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres');
  }
  process.env.ARGUS_TEST_SERVER_URL = process.env.DATABASE_URL;
};
